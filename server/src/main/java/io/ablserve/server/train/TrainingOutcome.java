package io.ablserve.server.train;

/** The figures of a finished run: test metrics (overall and per class by label) and the backdoor verdict. */
public record TrainingOutcome(
    double cleanAccuracy,
    double attackSuccessRate,
    double isolationPrecision,
    double isolationRecall,
    double[] classAccuracy,
    Verdict verdict,
    int epochs,
    long elapsedMs) {}
