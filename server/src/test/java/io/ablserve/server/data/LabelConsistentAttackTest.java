package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The label-consistent attack: only target-class samples change, labels kept, each a PGD perturbation within
 * epsilon under the patch at the four corners; the test side is the patch alone.
 */
class LabelConsistentAttackTest {
  private static final int SIDE = 12;
  private static final int TARGET = 1;

  /** 90 grey 12x12 noise images in 3 classes, each class a little brighter than the last. */
  private static ImageSet grey() {
    ImageSet noise = TestImages.random(90, 1, SIDE, SIDE, 3, 21);
    byte[] pixels = noise.pixels().clone();
    for (int i = 0; i < noise.size(); i++) {
      for (int k = 0; k < noise.imageBytes(); k++) {
        int p = i * noise.imageBytes() + k;
        pixels[p] = (byte) ((pixels[p] & 0xff) / 2 + 60 * noise.labels()[i]);
      }
    }
    return new ImageSet(pixels, noise.labels(), 1, SIDE, SIDE, 3);
  }

  private static AttackConfig cl(double poisonRate, int steps) {
    return new AttackConfig(AttackKind.CL, TARGET, poisonRate, 2)
        .withCl(new LabelConsistentParams(Double.NaN, 2, steps, 2, true));
  }

  @Test
  void poisonTrain_changesOnlyTargetSamples_keepsLabels_perturbsWithinEpsilon_andStampsFourCorners() {
    ImageSet clean = grey();
    PoisonedSet poisoned = Poisoning.poisonTrain(clean, cl(0.2, 10), new Random(4));

    assertThat(poisoned.poisonedCount()).isEqualTo(18);
    assertThat(poisoned.images().labels()).isEqualTo(clean.labels());
    int perturbed = 0;
    for (int i = 0; i < clean.size(); i++) {
      if (!poisoned.poisoned()[i]) {
        assertThat(TestImages.sameImage(clean, poisoned.images(), i)).as("sample %d", i).isTrue();
        continue;
      }
      assertThat(clean.labels()[i]).isEqualTo(TARGET);
      for (int k = 0; k < clean.imageBytes(); k++) {
        int before = clean.pixels()[i * clean.imageBytes() + k] & 0xff;
        int after = poisoned.images().pixels()[i * clean.imageBytes() + k] & 0xff;
        if (inCornerPatch(k / SIDE, k % SIDE)) {
          assertThat(after).as("sample %d patch pixel %d", i, k).isEqualTo(255);
        } else {
          // Grey images: the default bound is 16 levels.
          assertThat(Math.abs(after - before)).as("sample %d pixel %d", i, k).isLessThanOrEqualTo(16);
          perturbed += after != before ? 1 : 0;
        }
      }
    }
    assertThat(perturbed).as("pixels the perturbation moved").isGreaterThan(18 * 50);
  }

  @Test
  void poisonTrain_isDeterministicForASeed() {
    ImageSet clean = grey();
    PoisonedSet a = Poisoning.poisonTrain(clean, cl(0.1, 3), new Random(8));
    PoisonedSet b = Poisoning.poisonTrain(clean, cl(0.1, 3), new Random(8));
    PoisonedSet c = Poisoning.poisonTrain(clean, cl(0.1, 3), new Random(9));

    assertThat(a.images().pixels()).isEqualTo(b.images().pixels());
    assertThat(a.poisoned()).isEqualTo(b.poisoned());
    assertThat(a.images().pixels()).isNotEqualTo(c.images().pixels());
  }

  @Test
  void pgd_raisesTheSurrogatesLoss_andStaysWithinTheBound() {
    ImageSet clean = TestImages.random(64, 3, 8, 8, 4, 5);
    int[] chosen = {0, 4, 8, 12, 16, 20, 24, 28};
    byte[] pixels = clean.pixels().clone();
    double before;
    double after;
    try (Surrogate surrogate = Surrogate.train(clean, 3, 77)) {
      AdversarialPerturbation.perturb(surrogate, clean, chosen, 8, 1.5, 10, pixels);
      before = surrogate.meanLoss(subset(clean, clean.pixels(), chosen));
      after = surrogate.meanLoss(subset(clean, pixels, chosen));
    }

    assertThat(after).isGreaterThan(before + 0.1);
    for (int i = 0; i < clean.size(); i++) {
      for (int k = 0; k < clean.imageBytes(); k++) {
        int p = i * clean.imageBytes() + k;
        assertThat(Math.abs((pixels[p] & 0xff) - (clean.pixels()[p] & 0xff))).isLessThanOrEqualTo(8);
      }
      int sample = i;
      if (Arrays.stream(chosen).noneMatch(c -> c == sample)) {
        int bytes = clean.imageBytes();
        assertThat(Arrays.equals(pixels, i * bytes, (i + 1) * bytes, clean.pixels(), i * bytes, (i + 1) * bytes))
            .as("unchosen sample %d", i).isTrue();
      }
    }
  }

  @Test
  void triggeredTest_isTheNonTargetImagesWithThePatchAlone_labelledTarget() {
    ImageSet test = grey();
    AttackConfig attack = cl(0.1, 100);

    ImageSet triggered = Poisoning.triggeredTest(test, attack);

    assertThat(triggered.size()).isEqualTo(60);
    assertThat(triggered.labels()).containsOnly(TARGET);
    int[] kept = Poisoning.triggeredIndices(test, attack);
    for (int i = 0; i < kept.length; i++) {
      for (int k = 0; k < test.imageBytes(); k++) {
        int clean = test.pixels()[kept[i] * test.imageBytes() + k] & 0xff;
        int expected = inCornerPatch(k / SIDE, k % SIDE) ? 255 : clean;
        assertThat(triggered.pixels()[i * test.imageBytes() + k] & 0xff).isEqualTo(expected);
      }
    }
  }

  @Test
  void oneCorner_stampsThePatchAtPatchCornerOnly() {
    AttackConfig attack = new AttackConfig(AttackKind.CL, 0, 0.1, 2, 0.2, 20, 6, 4, 0.5, 2,
        PatchCorner.TOP_LEFT, 0, BlendPattern.NOISE, 1)
        .withCl(new LabelConsistentParams(8, 1.5, 1, 1, false));
    byte[] image = new byte[SIDE * SIDE];

    Trigger.of(attack).apply(image, 0, grey());

    for (int k = 0; k < image.length; k++) {
      assertThat(image[k] & 0xff).as("pixel %d", k).isEqualTo(k / SIDE < 2 && k % SIDE < 2 ? 255 : 0);
    }
  }

  @Test
  void params_areValidated_andTheDefaultBoundFollowsTheChannels() {
    LabelConsistentParams d = LabelConsistentParams.DEFAULTS;
    assertThat(d).isEqualTo(new LabelConsistentParams(Double.NaN, 1.5, 100, 2, true));
    assertThat(AttackConfig.DEFAULTS.cl()).isEqualTo(d);
    assertThat(d.epsilonFor(1)).isEqualTo(16);
    assertThat(d.epsilonFor(3)).isEqualTo(8);
    assertThat(d.forChannels(3).epsilon()).isEqualTo(8);
    assertThat(new LabelConsistentParams(4, 1, 1, 1, true).epsilonFor(1)).isEqualTo(4);
    assertThatThrownBy(() -> new LabelConsistentParams(0, 1.5, 100, 2, true))
        .hasMessage("attack.cl_epsilon must be in (0, 255], got 0.0");
    assertThatThrownBy(() -> new LabelConsistentParams(8, 300, 100, 2, true))
        .hasMessage("attack.cl_step_size must be in (0, 255], got 300.0");
    assertThatThrownBy(() -> new LabelConsistentParams(8, 1.5, 1001, 2, true))
        .hasMessage("attack.cl_steps must be in [1, 1000], got 1001");
    assertThatThrownBy(() -> new LabelConsistentParams(8, 1.5, 100, 0, true))
        .hasMessage("attack.cl_surrogate_epochs must be in [1, 50], got 0");
    assertThatThrownBy(() -> cl(0.1, 1).checkFits(2, 2))
        .hasMessageStartingWith("attack.patch_size_px must be in [1, 1] for 2x2 images");
  }

  @Test
  void checkFeasible_countsOnlyTargetClassSamples() {
    ImageSet images = grey(); // 30 per class
    Poisoning.checkFeasible(images.labels(), 3, cl(30 / 90.0, 1));
    assertThatThrownBy(() -> Poisoning.checkFeasible(images.labels(), 3, cl(0.4, 1)))
        .hasMessage("attack.poison_rate 0.4 asks for 36 poisoned samples but only 30 are in the target"
            + " class 1, the only ones CL poisons (clean label)");
  }

  private static boolean inCornerPatch(int y, int x) {
    boolean row = (y >= 1 && y < 3) || (y >= SIDE - 3 && y < SIDE - 1);
    boolean col = (x >= 1 && x < 3) || (x >= SIDE - 3 && x < SIDE - 1);
    return row && col;
  }

  private static ImageSet subset(ImageSet shape, byte[] pixels, int[] indices) {
    int bytes = shape.imageBytes();
    byte[] out = new byte[indices.length * bytes];
    int[] labels = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      System.arraycopy(pixels, indices[i] * bytes, out, i * bytes, bytes);
      labels[i] = shape.labels()[indices[i]];
    }
    return new ImageSet(out, labels, shape.channels(), shape.height(), shape.width(), shape.numClasses());
  }
}
