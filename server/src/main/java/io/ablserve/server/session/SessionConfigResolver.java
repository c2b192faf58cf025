package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.AttackKind;
import io.ablserve.server.data.BlendPattern;
import io.ablserve.server.data.LabelMode;
import io.ablserve.server.data.PatchCorner;
import io.ablserve.server.data.DatasetRef;
import io.ablserve.server.model.ModelArch;
import io.ablserve.server.train.AblConfig;
import io.ablserve.server.train.Defense;
import io.ablserve.server.train.Experiment;
import io.ablserve.server.train.IsolationLossKind;
import io.ablserve.server.train.LossReduction;
import io.ablserve.server.train.Ranking;
import io.ablserve.server.train.UnlearningMode;
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

  /** The longest display name: it is stored and listed with every session. */
  public static final int MAX_DISPLAY_NAME_CHARS = 256;
  /** The longest dataset name (configured names, or upload ids of 35 characters). */
  public static final int MAX_DATASET_NAME_CHARS = 128;
  /** The longest device name ({@code cpu}, {@code gpu}, {@code gpu:N}). */
  public static final int MAX_DEVICE_CHARS = 32;

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
    checkLength("display_name", request.getDisplayName(), MAX_DISPLAY_NAME_CHARS);
    checkLength("dataset.name", request.getDataset().getName(), MAX_DATASET_NAME_CHARS);
    checkLength("device", request.getDevice(), MAX_DEVICE_CHARS);
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

  static AttackConfig attack(AttackSpec spec) {
    AttackConfig d = AttackConfig.DEFAULTS;
    AttackKind kind =
        switch (spec.getKind()) {
          case ATTACK_KIND_UNSPECIFIED -> d.kind();
          case ATTACK_KIND_NONE -> AttackKind.NONE;
          case ATTACK_KIND_BADNETS -> AttackKind.BADNETS;
          case ATTACK_KIND_BLEND -> AttackKind.BLEND;
          case ATTACK_KIND_TROJAN -> AttackKind.TROJAN;
          case ATTACK_KIND_SIG -> AttackKind.SIG;
          case ATTACK_KIND_WANET -> AttackKind.WANET;
          case UNRECOGNIZED -> throw new IllegalArgumentException(
              "attack.kind must be one of NONE, BADNETS, BLEND, TROJAN, SIG, WANET, got "
                  + spec.getKindValue());
        };
    LabelMode labelMode =
        switch (spec.getLabelMode()) {
          case LABEL_MODE_UNSPECIFIED -> d.labelMode();
          case LABEL_MODE_ALL_TO_ONE -> LabelMode.ALL_TO_ONE;
          case LABEL_MODE_ALL_TO_ALL -> LabelMode.ALL_TO_ALL;
          case UNRECOGNIZED -> throw unknown(
              "attack.label_mode", "ALL_TO_ONE, ALL_TO_ALL", spec.getLabelModeValue());
        };
    // All-to-all has no target: a stray target_label must not be range-checked against the classes.
    int target =
        labelMode == LabelMode.ALL_TO_ALL || !spec.hasTargetLabel() ? d.targetLabel() : spec.getTargetLabel();
    return new AttackConfig(
        kind,
        target,
        spec.hasPoisonRate() ? spec.getPoisonRate() : d.poisonRate(),
        spec.hasPatchSizePx() ? spec.getPatchSizePx() : d.patchSizePx(),
        spec.hasBlendAlpha() ? spec.getBlendAlpha() : d.blendAlpha(),
        spec.hasSigAmplitude() ? spec.getSigAmplitude() : d.sigAmplitude(),
        spec.hasSigFrequency() ? spec.getSigFrequency() : d.sigFrequency(),
        spec.hasWanetGridSize() ? spec.getWanetGridSize() : d.wanetGridSize(),
        spec.hasWanetStrength() ? spec.getWanetStrength() : d.wanetStrength(),
        spec.hasWanetCrossRatio() ? spec.getWanetCrossRatio() : d.wanetCrossRatio(),
        switch (spec.getPatchCorner()) {
          case PATCH_CORNER_UNSPECIFIED -> d.patchCorner();
          case PATCH_CORNER_BOTTOM_RIGHT -> PatchCorner.BOTTOM_RIGHT;
          case PATCH_CORNER_BOTTOM_LEFT -> PatchCorner.BOTTOM_LEFT;
          case PATCH_CORNER_TOP_LEFT -> PatchCorner.TOP_LEFT;
          case PATCH_CORNER_TOP_RIGHT -> PatchCorner.TOP_RIGHT;
          case UNRECOGNIZED -> throw unknown(
              "attack.patch_corner", "BOTTOM_RIGHT, BOTTOM_LEFT, TOP_LEFT, TOP_RIGHT", spec.getPatchCornerValue());
        },
        spec.hasPatchMarginPx() ? spec.getPatchMarginPx() : d.patchMarginPx(),
        switch (spec.getBlendPattern()) {
          case BLEND_PATTERN_UNSPECIFIED -> d.blendPattern();
          case BLEND_PATTERN_NOISE -> BlendPattern.NOISE;
          case BLEND_PATTERN_CHECKERBOARD -> BlendPattern.CHECKERBOARD;
          case UNRECOGNIZED -> throw unknown(
              "attack.blend_pattern", "NOISE, CHECKERBOARD", spec.getBlendPatternValue());
        },
        spec.hasBlendSeed() ? spec.getBlendSeed() : d.blendSeed(),
        labelMode);
  }

  static ModelArch model(ModelSpec spec) {
    return switch (spec.getArch()) {
      case MODEL_ARCH_UNSPECIFIED, MODEL_ARCH_SMALL_CNN -> ModelArch.SMALL_CNN;
      case MODEL_ARCH_WRN_16_1 -> ModelArch.WRN_16_1;
      case MODEL_ARCH_RESNET_18 -> ModelArch.RESNET_18;
      case MODEL_ARCH_RESNET_34 -> ModelArch.RESNET_34;
      case UNRECOGNIZED -> throw new IllegalArgumentException(
          "model.arch must be one of SMALL_CNN, WRN_16_1, RESNET_18, RESNET_34, got "
              + spec.getArchValue());
    };
  }

  private static AblConfig abl(io.ablserve.v1.AblConfig spec) {
    AblConfig d = AblConfig.DEFAULTS;
    AblConfig.Builder b = AblConfig.builder();
    if (spec.hasEpochs()) b.epochs(spec.getEpochs());
    if (spec.hasIsolationEpochs()) b.isolationEpochs(spec.getIsolationEpochs());
    if (spec.hasIsolationRatio()) b.isolationRatio(spec.getIsolationRatio());
    if (spec.hasLgaGamma()) b.lgaGamma(spec.getLgaGamma());
    if (spec.hasFloodingLevel()) b.floodingLevel(spec.getFloodingLevel());
    if (spec.hasLearningRate()) b.learningRate(spec.getLearningRate());
    if (spec.hasUnlearningWeight()) b.unlearningWeight(spec.getUnlearningWeight());
    if (spec.hasBatchSize()) b.batchSize(spec.getBatchSize());
    if (spec.hasMomentum()) b.momentum(spec.getMomentum());
    if (spec.hasWeightDecay()) b.weightDecay(spec.getWeightDecay());
    if (spec.hasStepReportInterval()) b.stepReportInterval(spec.getStepReportInterval());
    if (spec.hasAscentEpochs()) b.ascentEpochs(spec.getAscentEpochs());
    if (spec.hasSuspectFiltering()) b.suspectFiltering(spec.getSuspectFiltering());
    if (spec.hasAugmentation()) b.augmentation(spec.getAugmentation());
    if (spec.hasIsolationExpansion()) b.isolationExpansion(spec.getIsolationExpansion());
    if (spec.hasIsolateEarly()) b.isolateEarly(spec.getIsolateEarly());
    if (spec.hasFinalDecayEpochs()) b.finalDecayEpochs(spec.getFinalDecayEpochs());
    b.isolationLoss(
        switch (spec.getIsolationLoss()) {
          case ISOLATION_LOSS_UNSPECIFIED -> d.isolationLoss();
          case ISOLATION_LOSS_LGA -> IsolationLossKind.LGA;
          case ISOLATION_LOSS_FLOODING -> IsolationLossKind.FLOODING;
          case UNRECOGNIZED -> throw unknown("abl.isolation_loss", "LGA, FLOODING", spec.getIsolationLossValue());
        });
    b.lossReduction(
        switch (spec.getLossReduction()) {
          case LOSS_REDUCTION_UNSPECIFIED -> d.lossReduction();
          case LOSS_REDUCTION_PER_SAMPLE -> LossReduction.PER_SAMPLE;
          case LOSS_REDUCTION_BATCH_MEAN -> LossReduction.BATCH_MEAN;
          case UNRECOGNIZED -> throw unknown("abl.loss_reduction", "PER_SAMPLE, BATCH_MEAN", spec.getLossReductionValue());
        });
    b.defense(
        switch (spec.getDefense()) {
          case DEFENSE_UNSPECIFIED -> d.defense();
          case DEFENSE_ABL -> Defense.ABL;
          case DEFENSE_NONE -> Defense.NONE;
          case UNRECOGNIZED -> throw unknown("abl.defense", "ABL, NONE", spec.getDefenseValue());
        });
    UnlearningMode mode =
        switch (spec.getUnlearningMode()) {
          case UNLEARNING_MODE_UNSPECIFIED -> d.unlearningMode();
          case UNLEARNING_MODE_GGA -> UnlearningMode.GGA;
          case UNLEARNING_MODE_FINETUNE_THEN_ASCENT -> UnlearningMode.FINETUNE_THEN_ASCENT;
          case UNRECOGNIZED -> throw unknown(
              "abl.unlearning_mode", "GGA, FINETUNE_THEN_ASCENT", spec.getUnlearningModeValue());
        };
    b.unlearningMode(mode);
    b.ranking(
        switch (spec.getRanking()) {
          case RANKING_UNSPECIFIED -> d.ranking();
          case RANKING_GLOBAL -> Ranking.GLOBAL;
          case RANKING_PER_CLASS -> Ranking.PER_CLASS;
          case UNRECOGNIZED -> throw unknown("abl.ranking", "GLOBAL, PER_CLASS", spec.getRankingValue());
        });
    double learningRate = spec.hasLearningRate() ? spec.getLearningRate() : d.learningRate();
    b.unlearningLearningRate(
        spec.hasUnlearningLearningRate()
            ? spec.getUnlearningLearningRate()
            : AblConfig.defaultUnlearningLearningRate(mode, learningRate));
    return b.build();
  }

  /** Refuses text longer than {@code max} characters, quoting a prefix of it. */
  public static void checkLength(String field, String text, int max) {
    if (text.length() > max) {
      throw new IllegalArgumentException(
          field + " must have at most " + max + " characters, got " + text.length() + ": "
              + UserText.quote(text));
    }
  }

  private static IllegalArgumentException unknown(String field, String allowed, int value) {
    return new IllegalArgumentException(field + " must be one of " + allowed + ", got " + value);
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
        .setAttack(attackEcho(attack))
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
                .setStepReportInterval(abl.stepReportInterval())
                .setDefense(
                    switch (abl.defense()) {
                      case ABL -> io.ablserve.v1.Defense.DEFENSE_ABL;
                      case NONE -> io.ablserve.v1.Defense.DEFENSE_NONE;
                    })
                .setUnlearningMode(
                    switch (abl.unlearningMode()) {
                      case GGA -> io.ablserve.v1.UnlearningMode.UNLEARNING_MODE_GGA;
                      case FINETUNE_THEN_ASCENT ->
                          io.ablserve.v1.UnlearningMode.UNLEARNING_MODE_FINETUNE_THEN_ASCENT;
                    })
                .setUnlearningLearningRate(abl.unlearningLearningRate())
                .setAscentEpochs(abl.ascentEpochs())
                .setRanking(
                    switch (abl.ranking()) {
                      case GLOBAL -> io.ablserve.v1.Ranking.RANKING_GLOBAL;
                      case PER_CLASS -> io.ablserve.v1.Ranking.RANKING_PER_CLASS;
                    })
                .setSuspectFiltering(abl.suspectFiltering())
                .setAugmentation(abl.augmentation())
                .setIsolationExpansion(abl.isolationExpansion())
                .setIsolateEarly(abl.isolateEarly())
                .setFinalDecayEpochs(abl.finalDecayEpochs()))
        .setDevice(DeviceResolver.apiName(device))
        .setSeed(e.seed())
        .build();
  }

  private static AttackSpec attackEcho(AttackConfig attack) {
    AttackSpec.Builder spec =
        AttackSpec.newBuilder()
            .setKind(apiAttackKind(attack.kind()))
            .setPoisonRate(attack.poisonRate())
            .setPatchSizePx(attack.patchSizePx())
            .setBlendAlpha(attack.blendAlpha())
            .setSigAmplitude(attack.sigAmplitude())
            .setSigFrequency(attack.sigFrequency())
            .setWanetGridSize(attack.wanetGridSize())
            .setWanetStrength(attack.wanetStrength())
            .setWanetCrossRatio(attack.wanetCrossRatio())
            .setPatchCorner(io.ablserve.v1.PatchCorner.valueOf("PATCH_CORNER_" + attack.patchCorner()))
            .setPatchMarginPx(attack.patchMarginPx())
            .setBlendPattern(io.ablserve.v1.BlendPattern.valueOf("BLEND_PATTERN_" + attack.blendPattern()))
            .setBlendSeed(attack.blendSeed())
            .setLabelMode(io.ablserve.v1.LabelMode.valueOf("LABEL_MODE_" + attack.labelMode()));
    if (attack.labelMode() == LabelMode.ALL_TO_ONE) {
      spec.setTargetLabel(attack.targetLabel()); // all-to-all has none
    }
    return spec.build();
  }

  private static io.ablserve.v1.AttackKind apiAttackKind(AttackKind kind) {
    return switch (kind) {
      case NONE -> io.ablserve.v1.AttackKind.ATTACK_KIND_NONE;
      case BADNETS -> io.ablserve.v1.AttackKind.ATTACK_KIND_BADNETS;
      case BLEND -> io.ablserve.v1.AttackKind.ATTACK_KIND_BLEND;
      case TROJAN -> io.ablserve.v1.AttackKind.ATTACK_KIND_TROJAN;
      case SIG -> io.ablserve.v1.AttackKind.ATTACK_KIND_SIG;
      case WANET -> io.ablserve.v1.AttackKind.ATTACK_KIND_WANET;
    };
  }

  private static io.ablserve.v1.ModelArch apiModelArch(ModelArch arch) {
    return switch (arch) {
      case SMALL_CNN -> io.ablserve.v1.ModelArch.MODEL_ARCH_SMALL_CNN;
      case WRN_16_1 -> io.ablserve.v1.ModelArch.MODEL_ARCH_WRN_16_1;
      case RESNET_18 -> io.ablserve.v1.ModelArch.MODEL_ARCH_RESNET_18;
      case RESNET_34 -> io.ablserve.v1.ModelArch.MODEL_ARCH_RESNET_34;
    };
  }
}
