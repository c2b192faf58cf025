package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class WaNetTriggerTest {

  static AttackConfig wanet(int target, double rate, double strength, double crossRatio) {
    return new AttackConfig(AttackKind.WANET, target, rate, 3, 0.2, 20, 6, 4, strength, crossRatio);
  }

  @Test
  void wanet_withZeroStrength_isTheIdentity() {
    ImageSet images = TestImages.random(4, 3, 32, 32, 2, 5);
    byte[] pixels = images.pixels().clone();

    WaNetTrigger trigger = new WaNetTrigger(4, 0);
    for (int i = 0; i < images.size(); i++) {
      trigger.apply(pixels, i * images.imageBytes(), images);
    }

    assertThat(pixels).isEqualTo(images.pixels());
  }

  @Test
  void wanet_movesContentButKeepsAConstantImageConstant() {
    ImageSet random = TestImages.random(1, 1, 32, 32, 2, 5);
    byte[] warped = random.pixels().clone();
    new WaNetTrigger(4, 0.5).apply(warped, 0, random);
    assertThat(warped).isNotEqualTo(random.pixels());

    ImageSet grey = TestImages.constant(1, 1, 32, 32, 2, 77);
    byte[] warpedGrey = grey.pixels().clone();
    new WaNetTrigger(4, 0.5).apply(warpedGrey, 0, grey);
    assertThat(warpedGrey).containsOnly((byte) 77);
  }

  @Test
  void wanet_poisonsAtRate_andWarpsCrossRatioTimesMoreWithNoise_keepingTheirLabels() {
    ImageSet clean = TestImages.random(30, 3, 16, 16, 10, 8);
    AttackConfig attack = wanet(1, 0.15, 0.5, 2);

    PoisonedSet result = Poisoning.poisonTrain(clean, attack, new Random(9));

    // round(0.15 * 30) = round(4.5) = 5 poisoned; round(2 * 0.15 * 30) = 9 noise-mode samples.
    assertThat(result.poisonedCount()).isEqualTo(5);
    assertThat(result.noiseModeCount()).isEqualTo(9);
    byte[] expectedWarp = clean.pixels().clone();
    WaNetTrigger trigger = new WaNetTrigger(4, 0.5);
    for (int i = 0; i < clean.size(); i++) {
      boolean poisoned = result.poisoned()[i];
      boolean noise = result.noiseMode()[i];
      assertThat(poisoned && noise).isFalse();
      assertThat(TestImages.sameImage(clean, result.images(), i)).isEqualTo(!poisoned && !noise);
      assertThat(result.images().labels()[i]).isEqualTo(poisoned ? 1 : clean.labels()[i]);
      if (poisoned) {
        assertThat(clean.labels()[i]).isNotEqualTo(1);
        trigger.apply(expectedWarp, i * clean.imageBytes(), clean);
        assertThat(java.util.Arrays.equals(
                expectedWarp, i * clean.imageBytes(), (i + 1) * clean.imageBytes(),
                result.images().pixels(), i * clean.imageBytes(), (i + 1) * clean.imageBytes()))
            .as("poisoned sample %d has the fixed warp, without noise", i)
            .isTrue();
      }
    }
  }

  @Test
  void wanet_isReproducibleWithTheSameSeed() {
    ImageSet clean = TestImages.random(30, 1, 12, 12, 10, 8);
    AttackConfig attack = wanet(0, 0.1, 0.5, 2);
    PoisonedSet a = Poisoning.poisonTrain(clean, attack, new Random(21));
    PoisonedSet b = Poisoning.poisonTrain(clean, attack, new Random(21));
    PoisonedSet c = Poisoning.poisonTrain(clean, attack, new Random(22));

    assertThat(a.images().pixels()).isEqualTo(b.images().pixels());
    assertThat(a.poisoned()).isEqualTo(b.poisoned());
    assertThat(a.noiseMode()).isEqualTo(b.noiseMode());
    assertThat(a.images().pixels()).isNotEqualTo(c.images().pixels());
  }
}
