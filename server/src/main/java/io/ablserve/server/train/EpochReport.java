package io.ablserve.server.train;

/**
 * End-of-epoch metrics: clean accuracy and attack success rate on the test sets, the mean training loss of
 * poisoned and clean samples (the paper's Fig. 1), how well isolating now would do, and the clean accuracy of each class (indexed by label).
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
    double imagesPerSecond,
    double[] classAccuracy) {}
