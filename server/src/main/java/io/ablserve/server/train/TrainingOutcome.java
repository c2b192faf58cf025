package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

/**
 * The figures of a finished run: test metrics (overall and per class by label), the backdoor verdict, and
 * the final model's confusion matrix on the clean test set ({@link ModelEvaluation#confusion}, row-major,
 * true classes as rows; empty until {@link ExperimentRunner} adds it) and, for fine-pruning, how many
 * channels of the last conv stage it pruned (0 for the other defences).
 */
public record TrainingOutcome(
    double cleanAccuracy,
    double attackSuccessRate,
    double isolationPrecision,
    double isolationRecall,
    double[] classAccuracy,
    Verdict verdict,
    int epochs,
    long elapsedMs,
    long[] confusionMatrix,
    int prunedChannels) {

  public TrainingOutcome {
    requireNonNull(confusionMatrix, "confusionMatrix");
  }

  /** An outcome of a run that pruned nothing. */
  public TrainingOutcome(
      double cleanAccuracy,
      double attackSuccessRate,
      double isolationPrecision,
      double isolationRecall,
      double[] classAccuracy,
      Verdict verdict,
      int epochs,
      long elapsedMs,
      long[] confusionMatrix) {
    this(
        cleanAccuracy, attackSuccessRate, isolationPrecision, isolationRecall, classAccuracy, verdict, epochs,
        elapsedMs, confusionMatrix, 0);
  }

  /** An outcome without its confusion matrix, as the trainer reports it. */
  public TrainingOutcome(
      double cleanAccuracy,
      double attackSuccessRate,
      double isolationPrecision,
      double isolationRecall,
      double[] classAccuracy,
      Verdict verdict,
      int epochs,
      long elapsedMs) {
    this(
        cleanAccuracy, attackSuccessRate, isolationPrecision, isolationRecall, classAccuracy, verdict, epochs,
        elapsedMs, new long[0]);
  }

  /** This outcome with the final model's confusion matrix. */
  public TrainingOutcome withConfusionMatrix(long[] counts) {
    return new TrainingOutcome(
        cleanAccuracy, attackSuccessRate, isolationPrecision, isolationRecall, classAccuracy, verdict, epochs,
        elapsedMs, counts, prunedChannels);
  }

  /** This outcome with {@code count} channels pruned. */
  public TrainingOutcome withPrunedChannels(int count) {
    return new TrainingOutcome(
        cleanAccuracy, attackSuccessRate, isolationPrecision, isolationRecall, classAccuracy, verdict, epochs,
        elapsedMs, confusionMatrix, count);
  }
}
