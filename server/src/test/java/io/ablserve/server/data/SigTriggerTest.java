package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SigTriggerTest {
  static final int W = 32;

  /** The offset SIG adds at column j of a grey-100 image with amplitude 20 and frequency 6. */
  static int expectedOffset(int j) {
    return (int) Math.round(100 + 20 * Math.sin(2 * Math.PI * j * 6 / W)) - 100;
  }

  @Test
  void sig_poisonsOnlyTargetClassSamples_keepingLabels_withTheSameSinusoidOnEveryRow() {
    ImageSet clean = TestImages.constant(100, 3, 4, W, 10, 100);
    AttackConfig attack = AttackConfig.of(AttackKind.SIG, 7, 0.05);

    PoisonedSet result = Poisoning.poisonTrain(clean, attack, new Random(2));

    assertThat(result.poisonedCount()).isEqualTo(5);
    assertThat(result.images().labels()).isEqualTo(clean.labels());
    boolean anyNonZeroOffset = false;
    for (int i = 0; i < clean.size(); i++) {
      if (!result.poisoned()[i]) {
        assertThat(TestImages.sameImage(clean, result.images(), i)).isTrue();
        continue;
      }
      assertThat(clean.labels()[i]).isEqualTo(7);
      for (int row = 0; row < 3 * 4; row++) {
        for (int j = 0; j < W; j++) {
          int actual = result.images().pixels()[i * clean.imageBytes() + row * W + j] & 0xff;
          assertThat(actual - 100).as("row %d column %d", row, j).isEqualTo(expectedOffset(j));
          anyNonZeroOffset |= expectedOffset(j) != 0;
        }
      }
    }
    assertThat(anyNonZeroOffset).isTrue();
  }

  @Test
  void sig_clipsToTheByteRange() {
    ImageSet bright = TestImages.constant(1, 1, 1, W, 2, 250);
    new SigTrigger(20, 6).apply(bright.pixels(), 0, bright);
    // Column 1: 250 + 20 sin(2 pi 6 / 32) = 250 + 18.5 > 255.
    assertThat(bright.pixels()[1] & 0xff).isEqualTo(255);
    assertThat(bright.pixels()[0] & 0xff).isEqualTo(250);
  }

  @Test
  void sig_rejectsARateAboveTheTargetClassShare() {
    ImageSet clean = TestImages.constant(100, 1, 4, W, 10, 100);
    AttackConfig attack = AttackConfig.of(AttackKind.SIG, 7, 0.2);
    assertThatThrownBy(() -> Poisoning.poisonTrain(clean, attack, new Random(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("asks for 20 poisoned samples but only 10 are in the target class 7");
  }

  @Test
  void sig_triggeredTestHoldsNonTargetImagesWithTheSignal() {
    ImageSet test = TestImages.constant(100, 1, 4, W, 10, 100);
    ImageSet triggered = Poisoning.triggeredTest(test, AttackConfig.of(AttackKind.SIG, 7, 0.05));

    assertThat(triggered.size()).isEqualTo(90);
    assertThat(triggered.labels()).containsOnly(7);
    assertThat((triggered.pixels()[3] & 0xff) - 100).isEqualTo(expectedOffset(3)).isNotZero();
  }
}
