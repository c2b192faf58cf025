package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

/**
 * The figures of a finished run: test metrics (overall and per class by label), the backdoor verdict, and
 * the final model's confusion matrix on the clean test set ({@link ModelEvaluation#confusion}, row-major,
 * true classes as rows; empty until {@link ExperimentRunner} adds it).
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
    long[] confusionMatrix) {

  public TrainingOutcome {
    requireNonNull(confusionMatrix, "confusionMatrix");
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
        elapsedMs, counts);
  }
}
