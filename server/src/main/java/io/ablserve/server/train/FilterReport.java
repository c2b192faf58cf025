package io.ablserve.server.train;

/**
 * The samples suspect filtering dropped from D_c, scored against the poisoning ground truth: precision is
 * the poisoned share of the removed, recall the share of D_c's poisons removed.
 */
public record FilterReport(int epoch, int removedCount, double precision, double recall, int keptSize) {}
