package io.ablserve.server.train;

/**
 * End-of-epoch metrics: clean accuracy and attack success rate on the test sets, the mean training loss of
 * poisoned and clean samples (the paper's Fig. 1), and how well isolating now would do.
 */
public record EpochReport(
    Phase phase,
    int epoch,
    double cleanAccuracy,
    double attackSuccessRate,
    double meanLossPoisoned,
    double meanLossClean,
    double isolationPrecision,
    double isolationRecall,
    long trainElapsedMs,
    double imagesPerSecond) {}
