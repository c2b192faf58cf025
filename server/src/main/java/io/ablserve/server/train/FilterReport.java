package io.ablserve.server.train;

/**
 * The samples that left D_c, scored against the poisoning ground truth: precision is the poisoned share of
 * the removed, recall the share of D_c's poisons removed. Suspect filtering drops them; isolation expansion
 * ({@code expansion}) moves them into D_b.
 */
public record FilterReport(
    int epoch, int removedCount, double precision, double recall, int keptSize, boolean expansion) {}
