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
    int stepReportInterval,
    Defense defense,
    UnlearningMode unlearningMode,
    double unlearningLearningRate,
    int ascentEpochs,
    Ranking ranking,
    boolean suspectFiltering,
    boolean augmentation,
    boolean isolationExpansion,
    boolean isolateEarly,
    int finalDecayEpochs,
    boolean triggerProbe,
    IsolationSignal isolationSignal,
    SuspectTreatment suspectTreatment,
    boolean retrainUnconfirmed) {

  /** The official code's learning rate for the ascent epochs of FINETUNE_THEN_ASCENT. */
  public static final double OFFICIAL_ASCENT_LEARNING_RATE = 5e-4;

  public static final AblConfig DEFAULTS =
      new AblConfig(
          10, 5, 0.01, IsolationLossKind.LGA, 0.5, 0.5, LossReduction.BATCH_MEAN, 0.01, 1.0, 128, 0.9, 1e-4,
          10, Defense.ABL, UnlearningMode.GGA, 0.01, 1, Ranking.PER_CLASS, false, true, true, true, 2,
          true, IsolationSignal.LOSS, SuspectTreatment.PSEUDO_LABEL, true);

  public AblConfig {
    requireNonNull(isolationLoss, "isolationLoss");
    requireNonNull(lossReduction, "lossReduction");
    requireNonNull(defense, "defense");
    requireNonNull(unlearningMode, "unlearningMode");
    requireNonNull(ranking, "ranking");
    requireNonNull(isolationSignal, "isolationSignal");
    requireNonNull(suspectTreatment, "suspectTreatment");
    check(epochs >= 2 && epochs <= 10_000, "abl.epochs must be in [2, 10000], got " + epochs);
    // Isolation and its ascent epochs are ABL's alone: another defence's epochs need not leave room.
    boolean abl = defense == Defense.ABL;
    check(
        isolationEpochs >= 1 && (!abl || isolationEpochs < epochs),
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
    check(
        unlearningLearningRate > 0 && unlearningLearningRate <= 10,
        "abl.unlearning_learning_rate must be in (0, 10], got " + unlearningLearningRate);
    check(
        ascentEpochs >= 1 && (!abl || ascentEpochs <= epochs - isolationEpochs),
        "abl.ascent_epochs must be in [1, epochs - isolation_epochs] = [1, " + (epochs - isolationEpochs)
            + "], got " + ascentEpochs);
    check(
        finalDecayEpochs >= 0 && finalDecayEpochs <= epochs,
        "abl.final_decay_epochs must be in [0, epochs] = [0, " + epochs + "], got " + finalDecayEpochs);
  }

  /** The unlearning learning rate a mode gets when none is given. */
  public static double defaultUnlearningLearningRate(UnlearningMode mode, double learningRate) {
    return mode == UnlearningMode.GGA ? learningRate : OFFICIAL_ASCENT_LEARNING_RATE;
  }

  /**
   * The learning rate of epoch {@code epoch} for a stage whose rate is {@code base}: a tenth of it in the
   * last {@code finalDecayEpochs} epochs of the run. Isolation epochs and the official recipe's ascent
   * epochs never decay. Default 2: at a constant rate CA swung 2-3 points between epochs (Blend with ABL:
   * 84.5% at epoch 8, 67.6% at epoch 9); with the last two at a tenth it ended at 84.8%.
   */
  public double decayed(double base, int epoch) {
    return epoch >= epochs - finalDecayEpochs ? base / 10 : base;
  }

  /** The epochs spent unlearning, {@code T - T_te}. */
  public int unlearningEpochs() {
    return epochs - isolationEpochs;
  }

  /** A builder starting from these values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  public static Builder builder() {
    return DEFAULTS.toBuilder();
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Changes some values of a config; {@link #build()} validates the whole. */
  public static final class Builder {
    private int epochs;
    private int isolationEpochs;
    private double isolationRatio;
    private IsolationLossKind isolationLoss;
    private double lgaGamma;
    private double floodingLevel;
    private LossReduction lossReduction;
    private double learningRate;
    private double unlearningWeight;
    private int batchSize;
    private double momentum;
    private double weightDecay;
    private int stepReportInterval;
    private Defense defense;
    private UnlearningMode unlearningMode;
    private double unlearningLearningRate;
    private int ascentEpochs;
    private Ranking ranking;
    private boolean suspectFiltering;
    private boolean augmentation;
    private boolean isolationExpansion;
    private boolean isolateEarly;
    private int finalDecayEpochs;
    private boolean triggerProbe;
    private IsolationSignal isolationSignal;
    private SuspectTreatment suspectTreatment;
    private boolean retrainUnconfirmed;

    private Builder(AblConfig c) {
      epochs = c.epochs;
      isolationEpochs = c.isolationEpochs;
      isolationRatio = c.isolationRatio;
      isolationLoss = c.isolationLoss;
      lgaGamma = c.lgaGamma;
      floodingLevel = c.floodingLevel;
      lossReduction = c.lossReduction;
      learningRate = c.learningRate;
      unlearningWeight = c.unlearningWeight;
      batchSize = c.batchSize;
      momentum = c.momentum;
      weightDecay = c.weightDecay;
      stepReportInterval = c.stepReportInterval;
      defense = c.defense;
      unlearningMode = c.unlearningMode;
      unlearningLearningRate = c.unlearningLearningRate;
      ascentEpochs = c.ascentEpochs;
      ranking = c.ranking;
      suspectFiltering = c.suspectFiltering;
      augmentation = c.augmentation;
      isolationExpansion = c.isolationExpansion;
      isolateEarly = c.isolateEarly;
      finalDecayEpochs = c.finalDecayEpochs;
      triggerProbe = c.triggerProbe;
      isolationSignal = c.isolationSignal;
      suspectTreatment = c.suspectTreatment;
      retrainUnconfirmed = c.retrainUnconfirmed;
    }

    public Builder epochs(int v) { epochs = v; return this; }
    public Builder isolationEpochs(int v) { isolationEpochs = v; return this; }
    public Builder isolationRatio(double v) { isolationRatio = v; return this; }
    public Builder isolationLoss(IsolationLossKind v) { isolationLoss = v; return this; }
    public Builder lgaGamma(double v) { lgaGamma = v; return this; }
    public Builder floodingLevel(double v) { floodingLevel = v; return this; }
    public Builder lossReduction(LossReduction v) { lossReduction = v; return this; }
    public Builder learningRate(double v) { learningRate = v; return this; }
    public Builder unlearningWeight(double v) { unlearningWeight = v; return this; }
    public Builder batchSize(int v) { batchSize = v; return this; }
    public Builder momentum(double v) { momentum = v; return this; }
    public Builder weightDecay(double v) { weightDecay = v; return this; }
    public Builder stepReportInterval(int v) { stepReportInterval = v; return this; }
    public Builder defense(Defense v) { defense = v; return this; }
    public Builder unlearningMode(UnlearningMode v) { unlearningMode = v; return this; }
    public Builder unlearningLearningRate(double v) { unlearningLearningRate = v; return this; }
    public Builder ascentEpochs(int v) { ascentEpochs = v; return this; }
    public Builder ranking(Ranking v) { ranking = v; return this; }
    public Builder suspectFiltering(boolean v) { suspectFiltering = v; return this; }
    public Builder augmentation(boolean v) { augmentation = v; return this; }
    public Builder isolationExpansion(boolean v) { isolationExpansion = v; return this; }
    public Builder isolateEarly(boolean v) { isolateEarly = v; return this; }
    public Builder finalDecayEpochs(int v) { finalDecayEpochs = v; return this; }
    public Builder triggerProbe(boolean v) { triggerProbe = v; return this; }
    public Builder isolationSignal(IsolationSignal v) { isolationSignal = v; return this; }
    public Builder suspectTreatment(SuspectTreatment v) { suspectTreatment = v; return this; }
    public Builder retrainUnconfirmed(boolean v) { retrainUnconfirmed = v; return this; }

    public AblConfig build() {
      return new AblConfig(
          epochs, isolationEpochs, isolationRatio, isolationLoss, lgaGamma, floodingLevel, lossReduction,
          learningRate, unlearningWeight, batchSize, momentum, weightDecay, stepReportInterval, defense,
          unlearningMode, unlearningLearningRate, ascentEpochs, ranking, suspectFiltering, augmentation,
          isolationExpansion, isolateEarly, finalDecayEpochs, triggerProbe, isolationSignal,
          suspectTreatment, retrainUnconfirmed);
    }
  }
}
