package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TwoMeansTest {
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

    boolean[] joined = TwoMeans.split(rows, 3);

    assertThat(joined).containsExactly(
        true, true, true, true, false, true, false, true, false, true, false, true, false);
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

    assertThat(TwoMeans.split(rows, 2)).containsExactly(true, true, true, true, false, false, false);
  }

  @Test
  void split_letsASeedThatBelongsToTheOtherGroupLeave() {
    Random rng = new Random(8);
    // Seeds: four near axis 0 and one near axis 1 (a clean pick beside the poisons); then 6 of each axis.
    float[][] rows = new float[17][];
    for (int i = 0; i < 4; i++) {
      rows[i] = near(0, rng);
    }
    rows[4] = near(1, rng);
    for (int j = 0; j < 12; j++) {
      rows[5 + j] = near(j < 6 ? 0 : 1, rng);
    }

    boolean[] first = TwoMeans.split(rows, 5);

    assertThat(first[4]).isFalse();
    for (int j = 0; j < 12; j++) {
      assertThat(first[5 + j]).isEqualTo(j < 6);
    }
  }
}
