package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TrojanTriggerTest {
  /** The expected 8x8 image after stamping on grey 100: W = 255, B = 0, - = untouched. */
  static final String[] EXPECTED = {
    "--------",
    "--------",
    "--WWB---",
    "--WBWB--",
    "--BWBWB-",
    "---BWBW-",
    "----BWW-",
    "--------"
  };

  @Test
  void trojan_stampsExactlyItsWatermarkInTheBottomRightCorner_inEveryChannel() {
    ImageSet clean = TestImages.constant(10, 3, 8, 8, 10, 100);
    AttackConfig attack = AttackConfig.of(AttackKind.TROJAN, 2, 0.3);

    PoisonedSet result = Poisoning.poisonTrain(clean, attack, new Random(4));

    assertThat(result.poisonedCount()).isEqualTo(3);
    for (int i = 0; i < clean.size(); i++) {
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < 8; y++) {
          for (int x = 0; x < 8; x++) {
            int actual = result.images().pixels()[i * 192 + c * 64 + y * 8 + x] & 0xff;
            char cell = result.poisoned()[i] ? EXPECTED[y].charAt(x) : '-';
            int expected = cell == 'W' ? 255 : cell == 'B' ? 0 : 100;
            assertThat(actual).as("sample %d channel %d (%d, %d)", i, c, y, x).isEqualTo(expected);
          }
        }
      }
      int label = result.images().labels()[i];
      assertThat(label).isEqualTo(result.poisoned()[i] ? 2 : clean.labels()[i]);
    }
  }

  @Test
  void trojan_rejectsImagesTooSmallForTheWatermark() {
    ImageSet tiny = TestImages.constant(10, 1, 5, 5, 10, 0);
    assertThatThrownBy(() -> Poisoning.triggeredTest(tiny, AttackConfig.of(AttackKind.TROJAN, 0, 0.1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not fit a 5x5 image");
  }
}
