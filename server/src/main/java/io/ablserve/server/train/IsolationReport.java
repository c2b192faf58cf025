package io.ablserve.server.train;

/** The isolated set chosen at the turning epoch, lowest loss first, with the poisoning ground truth. */
public record IsolationReport(
    int epoch,
    int[] indices,
    float[] losses,
    boolean[] poisoned,
    double precision,
    double recall,
    int trainSize,
    int poisonedCount) {}
