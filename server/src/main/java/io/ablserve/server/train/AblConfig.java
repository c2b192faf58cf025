package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

/**
 * ABL hyperparameters of one run. The compact constructor rejects out-of-range values with a message that
 * names the v1 API field ({@code abl.<field>}) and its allowed range; {@link #DEFAULTS} is the one place the
 * defaults live (the proto comments repeat them, a test pins both).
 */
public record AblConfig(
    int epochs,
    int isolationEpochs,
    double isolationRatio,
    IsolationLossKind isolationLoss,
    double lgaGamma,
    double floodingLevel,
    LossReduction lossReduction,
    double learningRate,
    double unlearningWeight,
    int batchSize,
    double momentum,
    double weightDecay,
    int stepReportInterval) {

  public static final AblConfig DEFAULTS =
      new AblConfig(
          10, 5, 0.01, IsolationLossKind.LGA, 0.5, 0.5, LossReduction.PER_SAMPLE, 0.01, 1.0, 128, 0.9, 1e-4,
          10);

  public AblConfig {
    requireNonNull(isolationLoss, "isolationLoss");
    requireNonNull(lossReduction, "lossReduction");
    check(epochs >= 2 && epochs <= 10_000, "abl.epochs must be in [2, 10000], got " + epochs);
    check(
        isolationEpochs >= 1 && isolationEpochs < epochs,
        "abl.isolation_epochs must be in [1, epochs) = [1, " + epochs + "), got " + isolationEpochs);
    check(
        isolationRatio > 0 && isolationRatio < 1,
        "abl.isolation_ratio must be in (0, 1), got " + isolationRatio);
    check(lgaGamma > 0 && Double.isFinite(lgaGamma), "abl.lga_gamma must be > 0, got " + lgaGamma);
    check(
        floodingLevel > 0 && Double.isFinite(floodingLevel),
        "abl.flooding_level must be > 0, got " + floodingLevel);
    check(
        learningRate > 0 && learningRate <= 10,
        "abl.learning_rate must be in (0, 10], got " + learningRate);
    check(
        unlearningWeight > 0 && unlearningWeight <= 1000,
        "abl.unlearning_weight must be in (0, 1000], got " + unlearningWeight);
    check(batchSize >= 1 && batchSize <= 4096, "abl.batch_size must be in [1, 4096], got " + batchSize);
    check(momentum >= 0 && momentum < 1, "abl.momentum must be in [0, 1), got " + momentum);
    check(
        weightDecay >= 0 && weightDecay <= 1, "abl.weight_decay must be in [0, 1], got " + weightDecay);
    check(
        stepReportInterval >= 1,
        "abl.step_report_interval must be >= 1, got " + stepReportInterval);
  }

  /** The epochs spent unlearning, {@code T - T_te}. */
  public int unlearningEpochs() {
    return epochs - isolationEpochs;
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
