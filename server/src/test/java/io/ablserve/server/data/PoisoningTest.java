package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PoisoningTest {
  static final int SIZE = 6;

  /** 100 grey (value 7) 6x6 images, labels cycling 0..9. */
  static ImageSet greyImages() {
    int n = 100;
    byte[] pixels = new byte[n * SIZE * SIZE];
    java.util.Arrays.fill(pixels, (byte) 7);
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 10;
    }
    return new ImageSet(pixels, labels, 1, SIZE, SIZE, 10);
  }

  @Test
  void badNets_poisonsExactlyTheRateOfNonTargetSamples_withPatchAndTargetLabel() {
    ImageSet clean = greyImages();
    AttackConfig attack = new AttackConfig(AttackKind.BADNETS, 3, 0.2, 2);

    PoisonedSet poisoned = Poisoning.poisonTrain(clean, attack, new Random(1));

    assertThat(poisoned.poisonedCount()).isEqualTo(20);
    for (int i = 0; i < clean.size(); i++) {
      int changedPixels = 0;
      for (int p = 0; p < SIZE * SIZE; p++) {
        int before = clean.pixels()[i * SIZE * SIZE + p];
        int after = poisoned.images().pixels()[i * SIZE * SIZE + p];
        if (before != after) {
          changedPixels++;
          int y = p / SIZE;
          int x = p % SIZE;
          // The 2x2 patch sits one pixel in from the bottom-right corner: rows and columns 3..4.
          assertThat(y).isBetween(3, 4);
          assertThat(x).isBetween(3, 4);
          assertThat(after & 0xff).isEqualTo(255);
        }
      }
      if (poisoned.poisoned()[i]) {
        assertThat(changedPixels).isEqualTo(4);
        assertThat(clean.labels()[i]).isNotEqualTo(3);
        assertThat(poisoned.images().labels()[i]).isEqualTo(3);
      } else {
        assertThat(changedPixels).isZero();
        assertThat(poisoned.images().labels()[i]).isEqualTo(clean.labels()[i]);
      }
    }
    assertThat(clean.pixels()).containsOnly((byte) 7);
  }

  @Test
  void badNets_isReproducibleWithTheSameSeed() {
    AttackConfig attack = new AttackConfig(AttackKind.BADNETS, 0, 0.1, 3);
    boolean[] a = Poisoning.poisonTrain(greyImages(), attack, new Random(5)).poisoned();
    boolean[] b = Poisoning.poisonTrain(greyImages(), attack, new Random(5)).poisoned();
    boolean[] c = Poisoning.poisonTrain(greyImages(), attack, new Random(6)).poisoned();
    assertThat(a).isEqualTo(b);
    assertThat(a).isNotEqualTo(c);
  }

  @Test
  void triggeredTest_keepsOnlyNonTargetImages_triggeredAndLabelledTarget() {
    ImageSet test = greyImages();
    AttackConfig attack = new AttackConfig(AttackKind.BADNETS, 3, 0.1, 2);

    ImageSet triggered = Poisoning.triggeredTest(test, attack);

    assertThat(triggered.size()).isEqualTo(90);
    assertThat(triggered.labels()).containsOnly(3);
    assertThat(triggered.pixels()[4 * SIZE + 4] & 0xff).isEqualTo(255);
    assertThat(triggered.pixels()[0]).isEqualTo((byte) 7);
  }

  @Test
  void none_leavesTheDataUntouched() {
    ImageSet clean = greyImages();
    AttackConfig none = new AttackConfig(AttackKind.NONE, 0, 0.1, 3);

    PoisonedSet result = Poisoning.poisonTrain(clean, none, new Random(1));

    assertThat(result.poisonedCount()).isZero();
    assertThat(result.images()).isSameAs(clean);
    assertThat(Poisoning.triggeredTest(clean, none).size()).isZero();
  }

  @Test
  void badNets_rejectsTargetOutsideTheClasses() {
    AttackConfig attack = new AttackConfig(AttackKind.BADNETS, 10, 0.1, 3);
    assertThatThrownBy(() -> Poisoning.poisonTrain(greyImages(), attack, new Random(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("attack.target_label must be in [0, 10)");
  }

  @Test
  void everyAttack_triggeredTestExcludesTargetClassImages_andPoisoningIsSeeded() {
    ImageSet images = TestImages.random(50, 3, 8, 8, 5, 3);
    for (AttackKind kind : AttackKind.values()) {
      if (kind == AttackKind.NONE) {
        continue;
      }
      AttackConfig attack = AttackConfig.of(kind, 2, 0.1);
      if (kind == AttackKind.CL) { // a short perturbation: LabelConsistentAttackTest covers it
        attack = attack.withCl(new LabelConsistentParams(Double.NaN, 1.5, 2, 1, true));
      }
      if (kind == AttackKind.DYNAMIC) { // a short training: DynamicAttackTest covers it
        attack = attack.withDynamic(new DynamicParams(1, 0, 1, 0.032));
      }

      PoisonedSet a = Poisoning.poisonTrain(images, attack, new Random(7));
      PoisonedSet b = Poisoning.poisonTrain(images, attack, new Random(7));
      ImageSet triggered = Poisoning.triggeredTest(images, attack, a);

      assertThat(triggered.size()).as(kind.name()).isEqualTo(40);
      assertThat(triggered.labels()).as(kind.name()).containsOnly(2);
      assertThat(a.poisonedCount()).as(kind.name()).isEqualTo(5);
      assertThat(a.images().pixels()).as(kind.name()).isEqualTo(b.images().pixels());
      assertThat(a.poisoned()).as(kind.name()).isEqualTo(b.poisoned());
    }
  }

  @Test
  void checkFeasible_refusesExactlyWhatPoisonTrainWouldFailOn() {
    ImageSet images = greyImages(); // 10 of each of 10 classes
    // SIG poisons inside the target class only: 10 of 100 samples, a rate of 0.1 at most.
    AttackConfig fits = AttackConfig.of(AttackKind.SIG, 4, 0.1);
    AttackConfig tooMany = AttackConfig.of(AttackKind.SIG, 4, 0.11);

    Poisoning.checkFeasible(images.labels(), images.numClasses(), fits);
    assertThat(Poisoning.poisonTrain(images, fits, new Random(1)).poisonedCount()).isEqualTo(10);
    assertThatThrownBy(() -> Poisoning.checkFeasible(images.labels(), images.numClasses(), tooMany))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("attack.poison_rate 0.11 asks for 11 poisoned samples but only 10 are in the target"
            + " class 4, the only ones SIG poisons (clean label)");
    assertThatThrownBy(() -> Poisoning.poisonTrain(images, tooMany, new Random(1)))
        .hasMessageContaining("asks for 11 poisoned samples but only 10");
  }
}
