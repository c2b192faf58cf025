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

  /** Indices of the {@code isolatedCount} lowest losses, lowest first; ties broken by index. */
  static int[] lowest(float[] losses, double ratio) {
    int k = isolatedCount(ratio, losses.length);
    return IntStream.range(0, losses.length)
        .boxed()
        .sorted(Comparator.<Integer>comparingDouble(i -> losses[i]).thenComparingInt(i -> i))
        .limit(k)
        .mapToInt(Integer::intValue)
        .toArray();
  }

  /** The isolation of {@code ratio} by {@code losses}, scored against the poisoning ground truth. */
  static IsolationReport isolate(float[] losses, boolean[] poisoned, double ratio, int epoch) {
    int[] indices = lowest(losses, ratio);
    float[] picked = new float[indices.length];
    boolean[] flags = new boolean[indices.length];
    int hits = 0;
    for (int i = 0; i < indices.length; i++) {
      picked[i] = losses[indices[i]];
      flags[i] = poisoned[indices[i]];
      hits += flags[i] ? 1 : 0;
    }
    int poisonedCount = 0;
    for (boolean p : poisoned) {
      poisonedCount += p ? 1 : 0;
    }
    double precision = (double) hits / indices.length;
    double recall = poisonedCount == 0 ? Double.NaN : (double) hits / poisonedCount;
    return new IsolationReport(
        epoch, indices, picked, flags, precision, recall, losses.length, poisonedCount);
  }

  /** The samples not in {@code isolated}, in index order (the paper's D_c). */
  static int[] complement(int[] isolated, int n) {
    boolean[] out = new boolean[n];
    for (int i : isolated) {
      out[i] = true;
    }
    return IntStream.range(0, n).filter(i -> !out[i]).toArray();
  }

  static int[] sorted(int[] indices) {
    int[] copy = indices.clone();
    Arrays.sort(copy);
    return copy;
  }
}
