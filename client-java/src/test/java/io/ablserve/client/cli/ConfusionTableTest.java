package io.ablserve.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.v1.ConfusionMatrix;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfusionTableTest {
  @Test
  void render_showsTrueClassesAsRowsPredictedAsColumnsAndMarksTheTarget() {
    ConfusionMatrix matrix = ConfusionMatrix.newBuilder()
        .setNumClasses(3).addAllCounts(List.of(85L, 3L, 0L, 1L, 97L, 2L, 120L, 0L, 4L)).build();

    assertThat(ConfusionTable.render(matrix, 0)).isEqualTo("""
        confusion matrix of the clean test set (rows: true class, columns: predicted class)
        true \\ predicted    0   1  2
        0 (target)         85   3  0
        1                   1  97  2
        2                 120   0  4
        """);
  }

  @Test
  void render_isEmptyForAnUnsetMatrix() {
    assertThat(ConfusionTable.render(ConfusionMatrix.getDefaultInstance(), 0)).isEmpty();
  }
}
