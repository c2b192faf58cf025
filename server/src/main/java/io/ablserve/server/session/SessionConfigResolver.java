package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.AttackKind;
import io.ablserve.server.data.DatasetRef;
import io.ablserve.server.model.ModelArch;
import io.ablserve.server.train.AblConfig;
import io.ablserve.server.train.Experiment;
import io.ablserve.server.train.IsolationLossKind;
import io.ablserve.server.train.LossReduction;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.IsolationLoss;
import io.ablserve.v1.ModelSpec;
import io.ablserve.v1.SessionConfig;
import java.io.IOException;

/**
 * Maps a v1 {@link SessionConfig} to an {@link Experiment}, filling unset fields from {@link
 * AblConfig#DEFAULTS} and {@link AttackConfig#DEFAULTS}, and back to the resolved config clients see.
 * Every rejection is an IllegalArgumentException naming the API field and its allowed values.
 */
public final class SessionConfigResolver {
  /** The dataset a config with no dataset name trains on. */
  public static final String DEFAULT_DATASET = "fashion-mnist";

  private final DeviceResolver devices;
  private final String defaultDevice;
  private final ExperimentValidator validator;

  /** Checks what only the data can tell, such as the target label's range. */
  @FunctionalInterface
  public interface ExperimentValidator {
    void validate(Experiment experiment) throws IOException;
  }

  public SessionConfigResolver(
      DeviceResolver devices, String defaultDevice, ExperimentValidator validator) {
    this.devices = requireNonNull(devices, "devices");
    this.defaultDevice = requireNonNull(defaultDevice, "defaultDevice");
    this.validator = requireNonNull(validator, "validator");
    devices.resolve(defaultDevice); // a bad server default fails at startup, not in every request
  }

  /**
   * Validates {@code request} and resolves its defaults. IOException when a configured dataset cannot be
   * read (a server fault, not the caller's).
   */
  public ResolvedSession resolve(SessionConfig request) throws IOException {
    requireNonNull(request, "request");
    DatasetSpec dataset = request.getDataset();
    String datasetName = dataset.getName().isEmpty() ? DEFAULT_DATASET : dataset.getName();
    Experiment experiment =
        new Experiment(
            new DatasetRef(datasetName, dataset.getTrainLimit(), dataset.getTestLimit()),
            attack(request.getAttack()),
            model(request.getModel()),
            abl(request.getAbl()),
            request.hasSeed() ? request.getSeed() : 0L);
    Device device =
        devices.resolve(request.getDevice().isEmpty() ? defaultDevice : request.getDevice());
    validator.validate(experiment);
    return new ResolvedSession(
        experiment, device, echo(request.getDisplayName(), experiment, device));
  }

  private static AttackConfig attack(AttackSpec spec) {
    AttackConfig d = AttackConfig.DEFAULTS;
    AttackKind kind =
        switch (spec.getKind()) {
          case ATTACK_KIND_UNSPECIFIED -> d.kind();
          case ATTACK_KIND_NONE -> AttackKind.NONE;
          case ATTACK_KIND_BADNETS -> AttackKind.BADNETS;
          case UNRECOGNIZED -> throw new IllegalArgumentException(
              "attack.kind must be ATTACK_KIND_NONE or ATTACK_KIND_BADNETS, got "
                  + spec.getKindValue());
        };
    return new AttackConfig(
        kind,
        spec.hasTargetLabel() ? spec.getTargetLabel() : d.targetLabel(),
        spec.hasPoisonRate() ? spec.getPoisonRate() : d.poisonRate(),
        spec.hasPatchSizePx() ? spec.getPatchSizePx() : d.patchSizePx());
  }

  private static ModelArch model(ModelSpec spec) {
    return switch (spec.getArch()) {
      case MODEL_ARCH_UNSPECIFIED, MODEL_ARCH_SMALL_CNN -> ModelArch.SMALL_CNN;
      case UNRECOGNIZED -> throw new IllegalArgumentException(
          "model.arch must be MODEL_ARCH_SMALL_CNN, got " + spec.getArchValue());
    };
  }

  private static AblConfig abl(io.ablserve.v1.AblConfig spec) {
    AblConfig d = AblConfig.DEFAULTS;
    IsolationLossKind loss =
        switch (spec.getIsolationLoss()) {
          case ISOLATION_LOSS_UNSPECIFIED -> d.isolationLoss();
          case ISOLATION_LOSS_LGA -> IsolationLossKind.LGA;
          case ISOLATION_LOSS_FLOODING -> IsolationLossKind.FLOODING;
          case UNRECOGNIZED -> throw new IllegalArgumentException(
              "abl.isolation_loss must be ISOLATION_LOSS_LGA or ISOLATION_LOSS_FLOODING, got "
                  + spec.getIsolationLossValue());
        };
    LossReduction reduction =
        switch (spec.getLossReduction()) {
          case LOSS_REDUCTION_UNSPECIFIED -> d.lossReduction();
          case LOSS_REDUCTION_PER_SAMPLE -> LossReduction.PER_SAMPLE;
          case LOSS_REDUCTION_BATCH_MEAN -> LossReduction.BATCH_MEAN;
          case UNRECOGNIZED -> throw new IllegalArgumentException(
              "abl.loss_reduction must be LOSS_REDUCTION_PER_SAMPLE or LOSS_REDUCTION_BATCH_MEAN, got "
                  + spec.getLossReductionValue());
        };
    return new AblConfig(
        spec.hasEpochs() ? spec.getEpochs() : d.epochs(),
        spec.hasIsolationEpochs() ? spec.getIsolationEpochs() : d.isolationEpochs(),
        spec.hasIsolationRatio() ? spec.getIsolationRatio() : d.isolationRatio(),
        loss,
        spec.hasLgaGamma() ? spec.getLgaGamma() : d.lgaGamma(),
        spec.hasFloodingLevel() ? spec.getFloodingLevel() : d.floodingLevel(),
        reduction,
        spec.hasLearningRate() ? spec.getLearningRate() : d.learningRate(),
        spec.hasUnlearningWeight() ? spec.getUnlearningWeight() : d.unlearningWeight(),
        spec.hasBatchSize() ? spec.getBatchSize() : d.batchSize(),
        spec.hasMomentum() ? spec.getMomentum() : d.momentum(),
        spec.hasWeightDecay() ? spec.getWeightDecay() : d.weightDecay(),
        spec.hasStepReportInterval() ? spec.getStepReportInterval() : d.stepReportInterval());
  }

  private static SessionConfig echo(String displayName, Experiment e, Device device) {
    AttackConfig attack = e.attack();
    AblConfig abl = e.abl();
    return SessionConfig.newBuilder()
        .setDisplayName(displayName)
        .setDataset(
            DatasetSpec.newBuilder()
                .setName(e.dataset().name())
                .setTrainLimit(e.dataset().trainLimit())
                .setTestLimit(e.dataset().testLimit()))
        .setAttack(
            AttackSpec.newBuilder()
                .setKind(apiAttackKind(attack.kind()))
                .setTargetLabel(attack.targetLabel())
                .setPoisonRate(attack.poisonRate())
                .setPatchSizePx(attack.patchSizePx()))
        .setModel(ModelSpec.newBuilder().setArch(apiModelArch(e.model())))
        .setAbl(
            io.ablserve.v1.AblConfig.newBuilder()
                .setEpochs(abl.epochs())
                .setIsolationEpochs(abl.isolationEpochs())
                .setIsolationRatio(abl.isolationRatio())
                .setIsolationLoss(
                    switch (abl.isolationLoss()) {
                      case LGA -> IsolationLoss.ISOLATION_LOSS_LGA;
                      case FLOODING -> IsolationLoss.ISOLATION_LOSS_FLOODING;
                    })
                .setLgaGamma(abl.lgaGamma())
                .setFloodingLevel(abl.floodingLevel())
                .setLossReduction(
                    switch (abl.lossReduction()) {
                      case PER_SAMPLE -> io.ablserve.v1.LossReduction.LOSS_REDUCTION_PER_SAMPLE;
                      case BATCH_MEAN -> io.ablserve.v1.LossReduction.LOSS_REDUCTION_BATCH_MEAN;
                    })
                .setLearningRate(abl.learningRate())
                .setUnlearningWeight(abl.unlearningWeight())
                .setBatchSize(abl.batchSize())
                .setMomentum(abl.momentum())
                .setWeightDecay(abl.weightDecay())
                .setStepReportInterval(abl.stepReportInterval()))
        .setDevice(DeviceResolver.apiName(device))
        .setSeed(e.seed())
        .build();
  }

  // The training core knows more attacks and networks than the v1 API offers yet; only the API's can reach
  // here. Listing every core value keeps the switches exhaustive, so a new one fails to compile until the
  // proto and this mapping decide about it.
  private static io.ablserve.v1.AttackKind apiAttackKind(AttackKind kind) {
    return switch (kind) {
      case NONE -> io.ablserve.v1.AttackKind.ATTACK_KIND_NONE;
      case BADNETS -> io.ablserve.v1.AttackKind.ATTACK_KIND_BADNETS;
      case BLEND, TROJAN, SIG, WANET -> throw new IllegalStateException(
          "attack " + kind + " has no v1 API value");
    };
  }

  private static io.ablserve.v1.ModelArch apiModelArch(ModelArch arch) {
    return switch (arch) {
      case SMALL_CNN -> io.ablserve.v1.ModelArch.MODEL_ARCH_SMALL_CNN;
      case WRN_16_1, RESNET_18, RESNET_34 -> throw new IllegalStateException(
          "model " + arch + " has no v1 API value");
    };
  }
}
