package io.ablserve.server.train;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.logging.Logger;
import java.util.stream.IntStream;

/**
 * Grows the isolated set D_b with the poisons the loss ranking left in D_c, by where the model puts them.
 * All-to-one poisons share a label (over-represented in D_b, see {@link SuspectFilter#suspectLabels}) and,
 * once the trigger is learned, a representation: the trigger, not the image, decides their penultimate
 * activations. Among the samples of a suspect label, two-means on the unit-normalised activations, started
 * from D_b's members of that label and from the rest of the label, splits the trigger's cluster from the
 * clean class's (activation clustering, Chen et al. 2018, seeded by ABL's ranking rather than blind). A
 * label is split only when its isolated members stand apart from the rest of it (cosine of means below {@link #MAX_SEED_COSINE}):
 * the easiest clean samples of a class, which the ranking also picks, do not.
 */
final class Expansion {
  private static final Logger logger = Logger.getLogger(Expansion.class.getName());
  private static final int MAX_ROUNDS = 50;
  /**
   * The isolated members of a label are a trigger's cluster only if their mean activation differs from
   * that of the label's other samples: cosine below this. Measured on Fashion-MNIST (bench/RESULTS.md):
   * 0.82-0.85 where they were BadNets, Trojan or Blend poisons; 0.945-0.995 where the ranking had picked
   * clean samples of a class (easy ones, or SIG's misses), which two-means would otherwise split off by
   * the hundred (a first bound of 0.95 let SIG move 421 clean bags).
   */
  static final double MAX_SEED_COSINE = 0.90;

  private Expansion() {}

  /**
   * The members of {@code kept} that join the cluster of the isolated samples of their (suspect) label,
   * sorted; empty when no label is suspect. {@code features} gives the activations of a list of samples.
   */
  static int[] expand(
      int[] isolated, int[] kept, int[] labels, int numClasses, Function<int[], float[][]> features) {
    boolean[] suspect = SuspectFilter.suspectLabels(isolated, labels, numClasses);
    int[] moved = new int[0];
    for (int c = 0; c < numClasses; c++) {
      if (!suspect[c]) {
        continue;
      }
      int label = c;
      int[] seeds = IntStream.of(isolated).filter(i -> labels[i] == label).toArray();
      int[] candidates = IntStream.of(kept).filter(i -> labels[i] == label).toArray();
      if (candidates.length == 0) {
        continue;
      }
      float[][] all = features.apply(concat(seeds, candidates));
      double cosine = seedCosine(all, seeds.length);
      if (cosine >= MAX_SEED_COSINE) {
        logger.info(
            String.format(
                Locale.ROOT,
                "label %d: its %d isolated samples do not stand apart from its %d others (cosine %.3f >= %.2f):"
                    + " not expanded", label, seeds.length, candidates.length, cosine, MAX_SEED_COSINE));
        continue;
      }
      boolean[] joined = split(all, seeds.length);
      int[] joinedLabel = IntStream.range(0, candidates.length).filter(j -> joined[j]).map(j -> candidates[j]).toArray();
      logger.info(
          String.format(
              Locale.ROOT, "label %d: %d isolated samples (cosine %.3f to the rest) drew %d of its %d others",
              label, seeds.length, cosine, joinedLabel.length, candidates.length));
      moved = concat(moved, joinedLabel);
    }
    Arrays.sort(moved);
    return moved;
  }

  /**
   * The cosine between the mean of the first {@code seeds} rows and the others' mean, the rows normalised to
   * unit length in place.
   */
  static double seedCosine(float[][] rows, int seeds) {
    for (float[] f : rows) {
      normalise(f);
    }
    boolean[] none = new boolean[rows.length - seeds];
    float[] seedMean = centroid(rows, none, true);
    float[] restMean = centroid(rows, none, false);
    return dot(seedMean, restMean) / Math.sqrt(dot(seedMean, seedMean) * dot(restMean, restMean));
  }

  /**
   * Two-means (Euclidean) over {@code features}, rows normalised to unit length in place, whose first
   * {@code seeds} rows stay in the first cluster; the first cluster starts at the seeds' mean, the second
   * at the other rows' mean. Returns, for each of the other rows, whether it ends in the first cluster.
   */
  static boolean[] split(float[][] features, int seeds) {
    for (float[] f : features) {
      normalise(f);
    }
    int n = features.length - seeds;
    boolean[] inFirst = new boolean[n];
    float[] first = centroid(features, inFirst, true);
    float[] second = centroid(features, inFirst, false);
    for (int round = 0; round < MAX_ROUNDS; round++) {
      boolean changed = false;
      double firstNorm = dot(first, first);
      double secondNorm = dot(second, second);
      for (int j = 0; j < n; j++) {
        float[] f = features[seeds + j];
        boolean near = 2 * dot(f, first) - firstNorm > 2 * dot(f, second) - secondNorm;
        changed |= near != inFirst[j];
        inFirst[j] = near;
      }
      if (!changed) {
        break;
      }
      first = centroid(features, inFirst, true);
      second = centroid(features, inFirst, false);
    }
    return inFirst;
  }

  /**
   * The mean of a cluster: the first holds the seed rows (those before the {@code inFirst.length} last)
   * and the other rows flagged in {@code inFirst}, the second the rest. An empty cluster's centroid is far
   * from every unit row.
   */
  private static float[] centroid(float[][] rows, boolean[] inFirst, boolean first) {
    int dim = rows[0].length;
    float[] sum = new float[dim];
    int count = 0;
    int offset = rows.length - inFirst.length;
    for (int i = 0; i < rows.length; i++) {
      boolean member = i < offset ? first : inFirst[i - offset] == first;
      if (member) {
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

  private static double dot(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
