package io.ablserve.client.cli;

import io.ablserve.v1.AblConfig;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.IsolationLoss;
import io.ablserve.v1.LossReduction;
import io.ablserve.v1.SessionConfig;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The {@code run} options that make a {@link SessionConfig}. An option not given stays unset in the
 * request (boxed fields, null = unset), so the server applies and echoes its own default; only the
 * dataset name has a client-side default.
 */
final class SessionConfigOptions {
  @Option(names = "--name", paramLabel = "NAME", description = "Display name shown in listings.")
  String name;

  @Option(names = "--dataset", paramLabel = "NAME", defaultValue = "fashion-mnist",
      description = "Server-side dataset name (default: ${DEFAULT-VALUE}).")
  String dataset;

  @Option(names = "--train-limit", paramLabel = "N",
      description = "Train on the first N training samples only.")
  Integer trainLimit;

  @Option(names = "--test-limit", paramLabel = "N",
      description = "Evaluate on the first N test samples only.")
  Integer testLimit;

  @Option(names = "--attack", paramLabel = "badnets|none", converter = AttackConverter.class,
      description = "Poisoning of the training set.")
  AttackKind attack;

  @Option(names = "--target", paramLabel = "CLASS", description = "The attack's target class.")
  Integer targetLabel;

  @Option(names = "--poison-rate", paramLabel = "FRACTION",
      description = "Share of the training set poisoned, in (0, 1).")
  Double poisonRate;

  @Option(names = "--patch-size", paramLabel = "PX", description = "BadNets patch side in pixels.")
  Integer patchSizePx;

  @Option(names = "--epochs", paramLabel = "T",
      description = "Total epochs (isolation + unlearning).")
  Integer epochs;

  @Option(names = "--isolation-epochs", paramLabel = "T_TE",
      description = "Epochs of isolation training before ranking, in [1, epochs).")
  Integer isolationEpochs;

  @Option(names = "--isolation-ratio", paramLabel = "FRACTION",
      description = "Share of the training set isolated, in (0, 1).")
  Double isolationRatio;

  @Option(names = "--loss", paramLabel = "lga|flooding", converter = LossConverter.class,
      description = "Isolation loss.")
  IsolationLoss isolationLoss;

  @Option(names = "--loss-reduction", paramLabel = "per-sample|batch-mean",
      converter = ReductionConverter.class,
      description = "Apply the isolation loss per sample (paper) or to the batch mean (official code).")
  LossReduction lossReduction;

  @Option(names = "--gamma", paramLabel = "GAMMA", description = "LGA threshold, > 0.")
  Double lgaGamma;

  @Option(names = "--flooding-level", paramLabel = "B", description = "Flooding level b, > 0.")
  Double floodingLevel;

  @Option(names = "--lr", paramLabel = "LR", description = "SGD learning rate, > 0.")
  Double learningRate;

  @Option(names = "--momentum", paramLabel = "M", description = "SGD momentum, in [0, 1).")
  Double momentum;

  @Option(names = "--weight-decay", paramLabel = "WD", description = "L2 weight decay, >= 0.")
  Double weightDecay;

  @Option(names = "--unlearning-weight", paramLabel = "W",
      description = "Weight of the ascent term when unlearning.")
  Double unlearningWeight;

  @Option(names = "--batch-size", paramLabel = "N", description = "Mini-batch size, in [1, 4096].")
  Integer batchSize;

  @Option(names = "--step-report-interval", paramLabel = "N",
      description = "One step event every N steps.")
  Integer stepReportInterval;

  @Option(names = "--seed", paramLabel = "SEED",
      description = "Seed for poisoning, initialisation and shuffling.")
  Long seed;

  @Option(names = "--device", paramLabel = "DEVICE",
      description = "cpu, gpu or gpu:N; the server's device if not given.")
  String device;

  SessionConfig toConfig() {
    SessionConfig.Builder config = SessionConfig.newBuilder();
    if (name != null) {
      config.setDisplayName(name);
    }
    if (device != null) {
      config.setDevice(device);
    }
    if (seed != null) {
      config.setSeed(seed);
    }

    DatasetSpec.Builder data = config.getDatasetBuilder().setName(dataset);
    if (trainLimit != null) {
      data.setTrainLimit(trainLimit);
    }
    if (testLimit != null) {
      data.setTestLimit(testLimit);
    }

    if (attack != null || targetLabel != null || poisonRate != null || patchSizePx != null) {
      AttackSpec.Builder spec = config.getAttackBuilder();
      if (attack != null) {
        spec.setKind(attack);
      }
      if (targetLabel != null) {
        spec.setTargetLabel(targetLabel);
      }
      if (poisonRate != null) {
        spec.setPoisonRate(poisonRate);
      }
      if (patchSizePx != null) {
        spec.setPatchSizePx(patchSizePx);
      }
    }

    AblConfig.Builder abl = AblConfig.newBuilder();
    if (epochs != null) {
      abl.setEpochs(epochs);
    }
    if (isolationEpochs != null) {
      abl.setIsolationEpochs(isolationEpochs);
    }
    if (isolationRatio != null) {
      abl.setIsolationRatio(isolationRatio);
    }
    if (isolationLoss != null) {
      abl.setIsolationLoss(isolationLoss);
    }
    if (lossReduction != null) {
      abl.setLossReduction(lossReduction);
    }
    if (lgaGamma != null) {
      abl.setLgaGamma(lgaGamma);
    }
    if (floodingLevel != null) {
      abl.setFloodingLevel(floodingLevel);
    }
    if (learningRate != null) {
      abl.setLearningRate(learningRate);
    }
    if (momentum != null) {
      abl.setMomentum(momentum);
    }
    if (weightDecay != null) {
      abl.setWeightDecay(weightDecay);
    }
    if (unlearningWeight != null) {
      abl.setUnlearningWeight(unlearningWeight);
    }
    if (batchSize != null) {
      abl.setBatchSize(batchSize);
    }
    if (stepReportInterval != null) {
      abl.setStepReportInterval(stepReportInterval);
    }
    if (!abl.build().equals(AblConfig.getDefaultInstance())) {
      config.setAbl(abl);
    }
    return config.build();
  }

  /** Case-insensitive choice among lower-case names, with the allowed names in the error. */
  private static <E> E choose(String value, Map<String, E> choices) {
    E choice = choices.get(value.toLowerCase(Locale.ROOT));
    if (choice == null) {
      throw new TypeConversionException(
          "expected one of " + new TreeMap<>(choices).keySet() + " but was '" + value + "'");
    }
    return choice;
  }

  static final class AttackConverter implements ITypeConverter<AttackKind> {
    @Override
    public AttackKind convert(String value) {
      return choose(value, Map.of(
          "badnets", AttackKind.ATTACK_KIND_BADNETS, "none", AttackKind.ATTACK_KIND_NONE));
    }
  }

  static final class LossConverter implements ITypeConverter<IsolationLoss> {
    @Override
    public IsolationLoss convert(String value) {
      return choose(value, Map.of(
          "lga", IsolationLoss.ISOLATION_LOSS_LGA,
          "flooding", IsolationLoss.ISOLATION_LOSS_FLOODING));
    }
  }

  static final class ReductionConverter implements ITypeConverter<LossReduction> {
    @Override
    public LossReduction convert(String value) {
      return choose(value, Map.of(
          "per-sample", LossReduction.LOSS_REDUCTION_PER_SAMPLE,
          "batch-mean", LossReduction.LOSS_REDUCTION_BATCH_MEAN));
    }
  }
}
