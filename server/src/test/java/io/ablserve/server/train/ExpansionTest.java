package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ExpansionTest {
  private static final int DIM = 8;

  /** A unit-ish row near axis {@code axis}, with noise. */
  private static float[] near(int axis, Random rng) {
    float[] f = new float[DIM];
    for (int d = 0; d < DIM; d++) {
      f[d] = (float) (0.15 * rng.nextGaussian());
    }
    f[axis] += 1;
    return f;
  }

  @Test
  void split_putsTheSeedsClusterTogetherAndLeavesTheOtherOut() {
    Random rng = new Random(3);
    // 3 seeds near axis 0; then 10 candidates alternating near axis 0 and near axis 1.
    float[][] rows = new float[13][];
    for (int i = 0; i < 3; i++) {
      rows[i] = near(0, rng);
    }
    for (int j = 0; j < 10; j++) {
      rows[3 + j] = near(j % 2 == 0 ? 0 : 1, rng);
    }

    boolean[] joined = Expansion.split(rows, 3);

    assertThat(joined).containsExactly(true, false, true, false, true, false, true, false, true, false);
  }

  @Test
  void split_normalisesRows_soScaleDoesNotDecide() {
    Random rng = new Random(5);
    float[][] rows = new float[7][];
    rows[0] = near(0, rng);
    rows[1] = near(0, rng);
    // Same direction as the seeds but 50x longer; the other cluster at unit scale.
    for (int j = 0; j < 5; j++) {
      float[] f = near(j < 2 ? 0 : 1, rng);
      if (j < 2) {
        for (int d = 0; d < DIM; d++) {
          f[d] *= 50;
        }
      }
      rows[2 + j] = f;
    }

    assertThat(Expansion.split(rows, 2)).containsExactly(true, true, false, false, false);
  }

  @Test
  void expand_movesOnlyKeptSamplesOfTheSuspectLabelThatClusterWithTheIsolated() {
    Random rng = new Random(7);
    // 40 samples, labels i % 4. Poisons: label-0 samples with i < 20 (features near axis 3); every other
    // sample's features lie near the axis of its label.
    int n = 40;
    int[] labels = new int[n];
    float[][] features = new float[n][];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 4;
      boolean poison = labels[i] == 0 && i < 20;
      features[i] = near(poison ? 7 : labels[i], rng);
    }
    int[] isolated = {0, 4, 8}; // three poisons: label 0 is over-represented
    int[] kept = Isolation.complement(isolated, n);

    int[] moved = Expansion.expand(isolated, kept, labels, 4, samples -> rows(features, samples));

    // The two poisons left in D_c (12, 16); not the clean label-0 samples 20..36, nor other labels.
    assertThat(moved).containsExactly(12, 16);
  }

  @Test
  void expand_leavesAClassAlone_whenItsIsolatedMembersAreTypicalOfIt() {
    Random rng = new Random(11);
    // No poisons: every sample near the axis of its label. The ranking isolated three label-0 samples (as
    // it isolates an easy class's easiest samples); they do not stand apart, so two-means never splits.
    int n = 40;
    int[] labels = new int[n];
    float[][] features = new float[n][];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 4;
      features[i] = near(labels[i], rng);
    }
    int[] isolated = {0, 4, 8};

    assertThat(Expansion.expand(isolated, Isolation.complement(isolated, n), labels, 4, s -> rows(features, s)))
        .isEmpty();
    assertThat(Expansion.seedCosine(rows(features, new int[] {0, 4, 8, 12, 16, 20, 24, 28, 32, 36}), 3))
        .isGreaterThanOrEqualTo(Expansion.MAX_SEED_COSINE);
  }

  @Test
  void expand_movesNothingWhenNoLabelIsOverRepresented() {
    Random rng = new Random(9);
    int[] labels = {0, 1, 2, 3, 0, 1, 2, 3};
    float[][] features = new float[8][];
    for (int i = 0; i < 8; i++) {
      features[i] = near(labels[i], rng);
    }
    int[] isolated = {0, 1}; // one label 0 and one label 1: neither has two isolated samples

    int[] moved =
        Expansion.expand(
            isolated, Isolation.complement(isolated, 8), labels, 4,
            samples -> {
              throw new AssertionError("no features needed without a suspect label");
            });

    assertThat(moved).isEmpty();
  }

  private static float[][] rows(float[][] features, int[] samples) {
    float[][] out = new float[samples.length][];
    for (int j = 0; j < samples.length; j++) {
      out[j] = features[samples[j]].clone();
    }
    return out;
  }
}
