package io.ablserve.server.train;

/** The figures of a finished run. */
public record TrainingOutcome(
    double cleanAccuracy,
    double attackSuccessRate,
    double isolationPrecision,
    double isolationRecall,
    int epochs,
    long elapsedMs) {}
