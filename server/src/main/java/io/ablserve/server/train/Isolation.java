package io.ablserve.server.train;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/** Ranks training samples by their own loss and isolates the lowest share (the paper's D_b). */
final class Isolation {
  private Isolation() {}

  /** How many samples a ratio isolates out of {@code n}: {@code round(ratio * n)}, at least 1. */
  static int isolatedCount(double ratio, int n) {
    return (int) Math.min(n, Math.max(1, Math.round(ratio * n)));
  }

  /** Indices of the {@code isolatedCount} lowest scores, lowest first; ties broken by index. */
  static int[] lowest(float[] scores, double ratio) {
    int k = isolatedCount(ratio, scores.length);
    return IntStream.range(0, scores.length)
        .boxed()
        .sorted(Comparator.<Integer>comparingDouble(i -> scores[i]).thenComparingInt(i -> i))
        .limit(k)
        .mapToInt(Integer::intValue)
        .toArray();
  }

  /**
   * Ranking scores: the losses themselves ({@link Ranking#GLOBAL}), or each loss divided by the median loss
   * of its labelled class ({@link Ranking#PER_CLASS}), so a class that is easy overall does not fill D_b.
   */
  static float[] scores(float[] losses, int[] labels, int numClasses, Ranking ranking) {
    if (ranking == Ranking.GLOBAL) {
      return losses;
    }
    float[] median = new float[numClasses];
    for (int c = 0; c < numClasses; c++) {
      final int cls = c;
      double[] of = IntStream.range(0, losses.length).filter(i -> labels[i] == cls).mapToDouble(i -> losses[i]).sorted().toArray();
      median[c] = of.length == 0 ? 1f : (float) Math.max(of[of.length / 2], 1e-12);
    }
    float[] out = new float[losses.length];
    for (int i = 0; i < losses.length; i++) {
      out[i] = losses[i] / median[labels[i]];
    }
    return out;
  }

  /**
   * The isolation of {@code ratio} ranked by {@code scores}, reporting each sample's {@code losses} and
   * scored against the poisoning ground truth.
   */
  static IsolationReport isolate(
      float[] scores, float[] losses, boolean[] poisoned, double ratio, int epoch) {
    int[] indices = lowest(scores, ratio);
    float[] picked = new float[indices.length];
    boolean[] flags = new boolean[indices.length];
    int hits = 0;
    for (int i = 0; i < indices.length; i++) {
      picked[i] = losses[indices[i]];
      flags[i] = poisoned[indices[i]];
      hits += flags[i] ? 1 : 0;
    }
    int poisonedCount = count(poisoned);
    double precision = (double) hits / indices.length;
    double recall = poisonedCount == 0 ? Double.NaN : (double) hits / poisonedCount;
    return new IsolationReport(
        epoch, indices, picked, flags, precision, recall, losses.length, poisonedCount, Verdict.NOT_TESTED);
  }

  static IsolationReport isolate(float[] losses, boolean[] poisoned, double ratio, int epoch) {
    return isolate(losses, losses, poisoned, ratio, epoch);
  }

  /** The samples not in {@code isolated}, in index order (the paper's D_c). */
  static int[] complement(int[] isolated, int n) {
    boolean[] out = new boolean[n];
    for (int i : isolated) {
      out[i] = true;
    }
    return IntStream.range(0, n).filter(i -> !out[i]).toArray();
  }

  /**
   * The label that at least {@code share} of {@code samples} carry, or -1 when none does (or there are no
   * samples).
   */
  static int dominantLabel(int[] samples, int[] labels, int numClasses, double share) {
    int[] counts = new int[numClasses];
    for (int i : samples) {
      counts[labels[i]]++;
    }
    for (int c = 0; c < numClasses; c++) {
      if (samples.length > 0 && counts[c] >= share * samples.length) {
        return c;
      }
    }
    return -1;
  }

  static int[] sorted(int[] indices) {
    int[] copy = indices.clone();
    Arrays.sort(copy);
    return copy;
  }

  static int count(boolean[] flags) {
    int n = 0;
    for (boolean f : flags) {
      n += f ? 1 : 0;
    }
    return n;
  }
}
