package io.ablserve.server.train;

import java.util.Arrays;

/**
 * Two-means on unit-normalised activations, started from a seed group: the clustering behind {@link
 * BackdoorCheck} (activation clustering, Chen et al. 2018, started from ABL's ranking rather than blind).
 */
final class TwoMeans {
  private static final int MAX_ROUNDS = 50;

  private TwoMeans() {}

  /**
   * Two-means (Euclidean) over {@code rows}, normalised to unit length in place: the first cluster starts
   * at the mean of the first {@code seeds} rows, the second at the others' mean, and every row, seeds
   * included, then goes to the nearer mean until no row moves. Returns, for each row, whether it ends in
   * the first cluster. Seeds are free to leave: a clean sample the ranking picked beside the poisons does
   * not stay in their cluster.
   */
  static boolean[] split(float[][] rows, int seeds) {
    for (float[] f : rows) {
      normalise(f);
    }
    boolean[] inFirst = new boolean[rows.length];
    Arrays.fill(inFirst, 0, seeds, true);
    for (int round = 0; round < MAX_ROUNDS; round++) {
      float[] first = centroid(rows, inFirst, true);
      float[] second = centroid(rows, inFirst, false);
      double firstNorm = dot(first, first);
      double secondNorm = dot(second, second);
      boolean changed = false;
      for (int i = 0; i < rows.length; i++) {
        boolean near = 2 * dot(rows[i], first) - firstNorm > 2 * dot(rows[i], second) - secondNorm;
        changed |= near != inFirst[i];
        inFirst[i] = near;
      }
      if (!changed) {
        break;
      }
    }
    return inFirst;
  }

  /** The mean of the rows whose flag equals {@code which}; an empty cluster's is far from every unit row. */
  private static float[] centroid(float[][] rows, boolean[] flags, boolean which) {
    int dim = rows[0].length;
    float[] sum = new float[dim];
    int count = 0;
    for (int i = 0; i < rows.length; i++) {
      if (flags[i] == which) {
        for (int d = 0; d < dim; d++) {
          sum[d] += rows[i][d];
        }
        count++;
      }
    }
    if (count == 0) {
      Arrays.fill(sum, 1e6f);
      return sum;
    }
    for (int d = 0; d < dim; d++) {
      sum[d] /= count;
    }
    return sum;
  }

  private static void normalise(float[] f) {
    double norm = Math.sqrt(dot(f, f));
    if (norm > 0) {
      for (int i = 0; i < f.length; i++) {
        f[i] /= (float) norm;
      }
    }
  }

  static double dot(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }
}
