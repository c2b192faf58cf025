package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BlendTriggerTest {

  @Test
  void blend_poisonsRoundedRateOfNonTargetSamples_withFormulaValuesAndTargetLabel() {
    ImageSet clean = TestImages.random(30, 3, 8, 8, 10, 11);
    AttackConfig attack = new AttackConfig(AttackKind.BLEND, 3, 0.25, 3, 0.3, 20, 6, 4, 0.5, 2);

    PoisonedSet result = Poisoning.poisonTrain(clean, attack, new Random(1));

    // round(0.25 * 30) = round(7.5) = 8.
    assertThat(result.poisonedCount()).isEqualTo(8);
    assertThat(result.noiseModeCount()).isZero();
    Random patternRng = new Random(BlendTrigger.PATTERN_SEED);
    int[] pattern = new int[clean.imageBytes()];
    for (int p = 0; p < pattern.length; p++) {
      pattern[p] = patternRng.nextInt(256);
    }
    for (int i = 0; i < clean.size(); i++) {
      if (!result.poisoned()[i]) {
        assertThat(TestImages.sameImage(clean, result.images(), i)).isTrue();
        assertThat(result.images().labels()[i]).isEqualTo(clean.labels()[i]);
        continue;
      }
      assertThat(clean.labels()[i]).isNotEqualTo(3);
      assertThat(result.images().labels()[i]).isEqualTo(3);
      for (int p = 0; p < pattern.length; p++) {
        int x = clean.pixels()[i * pattern.length + p] & 0xff;
        // 0.7 x + 0.3 p rounded half up, in exact integer arithmetic.
        int expected = (7 * x + 3 * pattern[p] + 5) / 10;
        assertThat(result.images().pixels()[i * pattern.length + p] & 0xff).isEqualTo(expected);
      }
    }
  }

  @Test
  void blend_usesTheSamePatternOnTrainAndTestSides() {
    ImageSet images = TestImages.constant(20, 1, 6, 6, 10, 0);
    AttackConfig attack = new AttackConfig(AttackKind.BLEND, 0, 0.5, 3, 0.5, 20, 6, 4, 0.5, 2);

    PoisonedSet train = Poisoning.poisonTrain(images, attack, new Random(3));
    ImageSet test = Poisoning.triggeredTest(images, attack);

    int first = 0;
    while (!train.poisoned()[first]) {
      first++;
    }
    byte[] trainImage = java.util.Arrays.copyOfRange(train.images().pixels(), first * 36, first * 36 + 36);
    assertThat(java.util.Arrays.copyOfRange(test.pixels(), 0, 36)).isEqualTo(trainImage);
    assertThat(test.size()).isEqualTo(18);
    assertThat(test.labels()).containsOnly(0);
  }
}
