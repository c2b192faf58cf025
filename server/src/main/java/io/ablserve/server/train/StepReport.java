package io.ablserve.server.train;

/** One reported optimiser step; {@code batchLoss} is the mean cross-entropy, {@code objective} what was back-propagated. */
public record StepReport(
    Phase phase,
    int epoch,
    long step,
    double batchLoss,
    double objective,
    double learningRate,
    double imagesPerSecond) {}
