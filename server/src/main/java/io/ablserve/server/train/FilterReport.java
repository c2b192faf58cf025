package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

/**
 * The samples that left D_c, scored against the poisoning ground truth: precision is the poisoned share of
 * the removed, recall the share of D_c's poisons removed. Suspect filtering drops them; isolation expansion
 * ({@code expansion}) moves them into D_b. {@code indices} are the removed samples, sorted (empty where the
 * reporter did not name them).
 */
public record FilterReport(
    int epoch, int removedCount, double precision, double recall, int keptSize, boolean expansion,
    int[] indices) {

  public FilterReport {
    requireNonNull(indices, "indices");
  }

  /** A report that counts the removed samples without naming them. */
  public FilterReport(
      int epoch, int removedCount, double precision, double recall, int keptSize, boolean expansion) {
    this(epoch, removedCount, precision, recall, keptSize, expansion, new int[0]);
  }

  /**
   * The {@code samples} that left D_c at {@code epoch}, scored against all {@code poisoned} samples: with the
   * backdoor check, the ascended set (expansion) and the suspects left out.
   */
  static FilterReport of(int epoch, int[] samples, int keptSize, boolean[] poisoned, boolean expansion) {
    int hits = 0;
    for (int i : samples) {
      hits += poisoned[i] ? 1 : 0;
    }
    int total = Isolation.count(poisoned);
    return new FilterReport(
        epoch, samples.length, samples.length == 0 ? Double.NaN : (double) hits / samples.length,
        total == 0 ? Double.NaN : (double) hits / total, keptSize, expansion, samples.clone());
  }
}
