package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import io.ablserve.server.config.SlotSpec;
import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.AttackKind;
import io.ablserve.server.data.CleanData;
import io.ablserve.server.data.DatasetInfo;
import io.ablserve.server.data.DatasetRef;
import io.ablserve.server.model.ModelArch;
import io.ablserve.server.train.AblConfig;
import io.ablserve.server.train.Defense;
import io.ablserve.server.train.Experiment;
import io.ablserve.server.train.FineTuning;
import io.ablserve.server.train.IsolationLossKind;
import io.ablserve.server.train.IsolationSignal;
import io.ablserve.server.train.LossReduction;
import io.ablserve.server.train.Ranking;
import io.ablserve.server.train.SuspectTreatment;
import io.ablserve.server.train.UnlearningMode;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.IsolationLoss;
import io.ablserve.v1.ModeConnectivity;
import io.ablserve.v1.ModelSpec;
import io.ablserve.v1.NeuralAttentionDistillation;
import io.ablserve.v1.SessionConfig;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Maps a v1 {@link SessionConfig} to an {@link Experiment}, filling unset fields from {@link
 * AblConfig#DEFAULTS} and {@link AttackConfig#DEFAULTS}, and back to the resolved config clients see.
 * Every rejection is an IllegalArgumentException naming the API field and its allowed values.
 */
public final class SessionConfigResolver {
  /** The dataset a config with no dataset name trains on. */
  public static final String DEFAULT_DATASET = "fashion-mnist";
  /** The seed of a config that sets none: a fixed one, so an unset seed repeats. */
  public static final long DEFAULT_SEED = 0L;

  /** The longest display name: it is stored and listed with every session. */
  public static final int MAX_DISPLAY_NAME_CHARS = 256;
  /** The longest dataset name (configured names, or upload ids of 35 characters). */
  public static final int MAX_DATASET_NAME_CHARS = 128;
  /** The longest device name ({@code cpu}, {@code gpu}, {@code gpu:N}). */
  public static final int MAX_DEVICE_CHARS = 32;
  /** The most layers NAD distils: more than any model has taps. */
  public static final int MAX_DISTILLED_LAYERS = 16;
  /** The longest layer name NAD takes: every tap's name is far shorter. */
  public static final int MAX_LAYER_NAME_CHARS = 64;
  // The prefix of each API enum's values before the training enum's name: ISOLATION_SIGNAL_LOSS is LOSS.
  private static final String SIGNAL_PREFIX = "ISOLATION_SIGNAL_";
  private static final String TREATMENT_PREFIX = "SUSPECT_TREATMENT_";
  private static final String LOSS_PREFIX = "ISOLATION_LOSS_";
  private static final String REDUCTION_PREFIX = "LOSS_REDUCTION_";
  private static final String DEFENSE_PREFIX = "DEFENSE_";
  private static final String MODE_PREFIX = "UNLEARNING_MODE_";
  private static final String RANKING_PREFIX = "RANKING_";

  private final DeviceResolver devices;
  private final String defaultDevice;
  private final List<SlotSpec> deciding;
  private final ExperimentValidator validator;
  private final DatasetShapes shapes;

  /** Checks what only the data can tell, such as the target label's range. */
  @FunctionalInterface
  public interface ExperimentValidator {
    void validate(Experiment experiment) throws IOException;
  }

  /** The shape of a dataset by name, for the defaults that depend on its images. */
  @FunctionalInterface
  public interface DatasetShapes {
    DatasetInfo describe(String name) throws IOException;
  }

  /** A resolver for a server that trains sessions in its own process, on the device each config names. */
  public SessionConfigResolver(
      DeviceResolver devices, String defaultDevice, ExperimentValidator validator, DatasetShapes shapes) {
    this(devices, defaultDevice, List.of(), validator, shapes);
  }

  /**
   * A resolver for a server whose {@code slots} decide each session's device (sessions in worker
   * processes or Jobs): a config's device then picks among the slots ({@link SlotSpec#serves}), empty
   * meaning any, and one no slot serves is refused. With no slots, as the other constructor: {@code
   * devices} resolves the device, {@code defaultDevice} when the config names none.
   */
  public SessionConfigResolver(
      DeviceResolver devices,
      String defaultDevice,
      List<SlotSpec> slots,
      ExperimentValidator validator,
      DatasetShapes shapes) {
    this.devices = requireNonNull(devices, "devices");
    this.defaultDevice = requireNonNull(defaultDevice, "defaultDevice");
    this.deciding = List.copyOf(slots);
    this.validator = requireNonNull(validator, "validator");
    this.shapes = requireNonNull(shapes, "shapes");
    if (deciding.isEmpty()) {
      devices.resolve(defaultDevice); // a bad server default fails at startup, not in every request
    }
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
    checkLength("clean_data.dataset", request.getCleanData().getDataset(), MAX_DATASET_NAME_CHARS);
    DatasetSpec dataset = request.getDataset();
    String datasetName = dataset.getName().isEmpty() ? DEFAULT_DATASET : dataset.getName();
    AblConfig abl = abl(request.getAbl());
    checkFineTuningFields(request, abl.defense());
    DatasetRef data = new DatasetRef(datasetName, dataset.getTrainLimit(), dataset.getTestLimit());
    AttackConfig attack = attack(request.getAttack());
    ModelArch arch = model(request.getModel()); // NAD's layers are checked against its taps
    Experiment experiment =
        new Experiment(
            data,
            attack,
            arch,
            abl,
            request.hasSeed() ? request.getSeed() : DEFAULT_SEED,
            cleanData(request.getCleanData(), datasetName),
            fineTuning(request, abl, arch));
    // Inline, the engine's device, echoed by its API name; with slots, the slots it asks for, as asked.
    Optional<Device> device = Optional.empty();
    String echoedDevice;
    if (deciding.isEmpty()) {
      device = Optional.of(
          devices.resolve(request.getDevice().isEmpty() ? defaultDevice : request.getDevice()));
      echoedDevice = DeviceResolver.apiName(device.get());
    } else {
      echoedDevice = slotRequest(request.getDevice());
    }
    validator.validate(experiment);
    experiment = withImageDefaults(experiment);
    return new ResolvedSession(
        experiment, device, echo(request.getDisplayName(), experiment, echoedDevice));
  }

  /**
   * The server's defaults as one config: what {@link #resolve} fills each unset field of a request with,
   * on this server's default device and dataset, the baseline defences' sections all set (see {@code
   * ListDevicesResponse.session_defaults}). The fields that depend on others are resolved for their defaults.
   */
  public SessionConfig defaults() {
    AblConfig abl = abl(io.ablserve.v1.AblConfig.getDefaultInstance());
    ModelArch arch = model(ModelSpec.getDefaultInstance());
    Experiment experiment =
        new Experiment(
            new DatasetRef(DEFAULT_DATASET, 0, 0),
            attack(AttackSpec.getDefaultInstance()),
            arch,
            abl,
            DEFAULT_SEED,
            cleanData(io.ablserve.v1.CleanData.getDefaultInstance(), DEFAULT_DATASET),
            fineTuning(SessionConfig.getDefaultInstance(), abl, arch));
    SessionConfig.Builder defaults =
        echoCommon(
            "", experiment,
            deciding.isEmpty() ? DeviceResolver.apiName(devices.resolve(defaultDevice)) : "");
    addSections(defaults, experiment, true, true, true, true);
    return defaults.build();
  }

  /**
   * {@code experiment} with the defaults that depend on its dataset's images resolved (the CL bound), so
   * the echo says what a CL session poisons with; other attacks leave it unset.
   */
  private Experiment withImageDefaults(Experiment experiment) throws IOException {
    AttackConfig attack = experiment.attack();
    if (attack.kind() != AttackKind.CL || !Double.isNaN(attack.cl().epsilon())) {
      return experiment;
    }
    int channels = shapes.describe(experiment.dataset().name()).channels();
    return experiment.withAttack(attack.withCl(attack.cl().forChannels(channels)));
  }

  /**
   * Refuses {@code clean_data}, {@code fine_tuning}, {@code fine_pruning}, {@code nad} and {@code mcr} for a
   * defence that would not use them, rather than silently ignoring what the caller asked for.
   */
  private static void checkFineTuningFields(SessionConfig request, Defense defense) {
    String[] fields = {"clean_data", "fine_tuning", "fine_pruning", "nad", "mcr"};
    boolean[] set = {
      request.hasCleanData(), request.hasFineTuning(), request.hasFinePruning(), request.hasNad(),
      request.hasMcr()
    };
    boolean[] used = {
      defense.usesCleanData(), defense.usesCleanData(), defense == Defense.FP, defense == Defense.NAD,
      defense == Defense.MCR
    };
    String cleanDataUsers = "DEFENSE_FT, DEFENSE_FP, DEFENSE_NAD and DEFENSE_MCR";
    String[] users = {cleanDataUsers, cleanDataUsers, "DEFENSE_FP", "DEFENSE_NAD", "DEFENSE_MCR"};
    for (int i = 0; i < fields.length; i++) {
      if (set[i] && !used[i]) {
        throw new IllegalArgumentException(
            fields[i] + " is used only by " + users[i] + "; unset it for abl.defense DEFENSE_" + defense);
      }
    }
  }

  /**
   * {@code spec} with its unset fields at {@link CleanData#DEFAULTS}. The subset comes from the session's own
   * dataset, named or not: a session's worker is handed that dataset alone, and an upload is its owner's.
   */
  static CleanData cleanData(io.ablserve.v1.CleanData spec, String sessionDataset) {
    if (!spec.getDataset().isEmpty() && !spec.getDataset().equals(sessionDataset)) {
      throw new IllegalArgumentException(
          "clean_data.dataset must be empty or the session's dataset.name '" + sessionDataset
              + "': the clean subset is drawn from the session's own training split, got "
              + UserText.quote(spec.getDataset()));
    }
    String dataset = "";
    return switch (spec.getSizeCase()) {
      case COUNT -> {
        if (spec.getCount() < 1) {
          throw new IllegalArgumentException(
              "clean_data.count must be in [1, " + CleanData.MAX_COUNT + "], got " + spec.getCount());
        }
        yield new CleanData(dataset, spec.getCount(), 0);
      }
      case FRACTION -> new CleanData(dataset, 0, spec.getFraction());
      case SIZE_NOT_SET -> new CleanData(dataset, 0, CleanData.DEFAULTS.fraction());
    };
  }

  /**
   * The fine-tuning, pruning, NAD and MCR fields with their unset ones at {@link FineTuning#defaultsFor}, and
   * NAD's layers, checked against {@code arch}'s taps, at {@code arch}'s defaults when none are given.
   */
  static FineTuning fineTuning(SessionConfig request, AblConfig abl, ModelArch arch) {
    FineTuning d = FineTuning.defaultsFor(abl);
    io.ablserve.v1.FineTuning ft = request.getFineTuning();
    io.ablserve.v1.FinePruning fp = request.getFinePruning();
    NeuralAttentionDistillation nad = request.getNad();
    ModeConnectivity mcr = request.getMcr();
    if (nad.getLayersCount() > MAX_DISTILLED_LAYERS) {
      throw new IllegalArgumentException(
          "nad.layers must name at most " + MAX_DISTILLED_LAYERS + " layers, got " + nad.getLayersCount());
    }
    for (String layer : nad.getLayersList()) {
      checkLength("nad.layers", layer, MAX_LAYER_NAME_CHARS);
    }
    return new FineTuning(
        ft.hasEpochs() ? ft.getEpochs() : d.epochs(),
        ft.hasLearningRate() ? ft.getLearningRate() : d.learningRate(),
        fp.hasMaxAccuracyDrop() ? fp.getMaxAccuracyDrop() : d.maxAccuracyDrop(),
        fp.hasMaxPruneRatio() ? fp.getMaxPruneRatio() : d.maxPruneRatio(),
        nad.hasTeacherEpochs() ? nad.getTeacherEpochs() : d.teacherEpochs(),
        nad.hasBeta() ? nad.getBeta() : d.distillationWeight(),
        mcr.hasCurveEpochs() ? mcr.getCurveEpochs() : d.curveEpochs(),
        mcr.hasT() ? mcr.getT() : d.curvePoint(),
        nad.getLayersList())
        .forArch(arch);
  }

  /** {@code spec} with its unset fields at {@link AttackConfig#DEFAULTS}. */
  static AttackConfig attack(AttackSpec spec) {
    return AttackSpecs.fromApi(spec);
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
    if (spec.hasTriggerProbe()) b.triggerProbe(spec.getTriggerProbe());
    if (spec.hasRetrainUnconfirmed()) b.retrainUnconfirmed(spec.getRetrainUnconfirmed());
    b.isolationLoss(
        byName(
            "abl.isolation_loss", spec.getIsolationLoss(), spec.getIsolationLossValue(), LOSS_PREFIX,
            IsolationLossKind.class, d.isolationLoss()));
    b.lossReduction(
        byName(
            "abl.loss_reduction", spec.getLossReduction(), spec.getLossReductionValue(), REDUCTION_PREFIX,
            LossReduction.class, d.lossReduction()));
    b.defense(
        byName("abl.defense", spec.getDefense(), spec.getDefenseValue(), DEFENSE_PREFIX, Defense.class, d.defense()));
    UnlearningMode mode =
        byName(
            "abl.unlearning_mode", spec.getUnlearningMode(), spec.getUnlearningModeValue(), MODE_PREFIX,
            UnlearningMode.class, d.unlearningMode());
    b.unlearningMode(mode);
    b.ranking(
        byName("abl.ranking", spec.getRanking(), spec.getRankingValue(), RANKING_PREFIX, Ranking.class, d.ranking()));
    b.isolationSignal(
        byName(
            "abl.isolation_signal", spec.getIsolationSignal(), spec.getIsolationSignalValue(), SIGNAL_PREFIX,
            IsolationSignal.class, d.isolationSignal()));
    b.suspectTreatment(
        byName(
            "abl.suspect_treatment", spec.getSuspectTreatment(), spec.getSuspectTreatmentValue(),
            TREATMENT_PREFIX, SuspectTreatment.class, d.suspectTreatment()));
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

  /**
   * The value of training enum {@code type} that API value {@code api} names after its {@code prefix};
   * {@code unset} for the API's UNSPECIFIED; refused, naming {@code field} and the values, for a {@code
   * number} the API does not know.
   */
  private static <T extends Enum<T>> T byName(
      String field, Enum<?> api, int number, String prefix, Class<T> type, T unset) {
    if (api.name().equals(prefix + "UNSPECIFIED")) {
      return unset;
    }
    if (api.name().equals("UNRECOGNIZED")) {
      throw unknown(
          field, Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.joining(", ")),
          number);
    }
    return Enum.valueOf(type, api.name().substring(prefix.length()));
  }

  /** The API value of {@code type} that names training enum value {@code value} after {@code prefix}. */
  private static <A extends Enum<A>> A api(Class<A> type, String prefix, Enum<?> value) {
    return Enum.valueOf(type, prefix + value.name());
  }

  private static IllegalArgumentException unknown(String field, String allowed, int value) {
    return new IllegalArgumentException(field + " must be one of " + allowed + ", got " + value);
  }

  /**
   * {@code spec} as the slots it asks for ({@link SlotSpec#request}); NoSlotServesException when no slot
   * of this server serves it.
   */
  private String slotRequest(String spec) {
    String request = SlotSpec.request(spec);
    if (deciding.stream().noneMatch(slot -> slot.serves(request))) {
      throw new NoSlotServesException(
          "device '" + spec + "' matches none of this server's slots ("
              + deciding.stream()
                  .map(slot -> slot.name() + " " + slot.device())
                  .collect(Collectors.joining(", "))
              + "): name one of their devices, 'gpu' for any GPU slot, or leave it empty for any slot");
    }
    return request;
  }

  private static SessionConfig echo(String displayName, Experiment e, String device) {
    SessionConfig.Builder echo = echoCommon(displayName, e, device);
    Defense defense = e.abl().defense();
    addSections(echo, e, defense.usesCleanData(), defense == Defense.FP, defense == Defense.NAD,
        defense == Defense.MCR);
    return echo.build();
  }

  /**
   * The baseline defences' sections of {@code e} that are asked for: the clean subset with the fine-tuning
   * stage, fine-pruning's bounds, NAD's and MCR's settings.
   */
  private static void addSections(
      SessionConfig.Builder echo, Experiment e, boolean cleanData, boolean fp, boolean nad, boolean mcr) {
    if (cleanData) {
      CleanData clean = e.cleanData();
      io.ablserve.v1.CleanData.Builder subset = io.ablserve.v1.CleanData.newBuilder().setDataset(clean.dataset());
      if (clean.count() > 0) {
        subset.setCount(clean.count());
      } else {
        subset.setFraction(clean.fraction());
      }
      echo.setCleanData(subset)
          .setFineTuning(
              io.ablserve.v1.FineTuning.newBuilder()
                  .setEpochs(e.fineTuning().epochs())
                  .setLearningRate(e.fineTuning().learningRate()));
    }
    if (fp) {
      echo.setFinePruning(
          io.ablserve.v1.FinePruning.newBuilder()
              .setMaxAccuracyDrop(e.fineTuning().maxAccuracyDrop())
              .setMaxPruneRatio(e.fineTuning().maxPruneRatio()));
    }
    if (nad) {
      echo.setNad(
          NeuralAttentionDistillation.newBuilder()
              .setTeacherEpochs(e.fineTuning().teacherEpochs())
              .setBeta(e.fineTuning().distillationWeight())
              .addAllLayers(e.fineTuning().distilledLayers()));
    }
    if (mcr) {
      echo.setMcr(
          ModeConnectivity.newBuilder()
              .setCurveEpochs(e.fineTuning().curveEpochs())
              .setT(e.fineTuning().curvePoint()));
    }
  }

  private static SessionConfig.Builder echoCommon(String displayName, Experiment e, String device) {
    AttackConfig attack = e.attack();
    AblConfig abl = e.abl();
    return SessionConfig.newBuilder()
        .setDisplayName(displayName)
        .setDataset(
            DatasetSpec.newBuilder()
                .setName(e.dataset().name())
                .setTrainLimit(e.dataset().trainLimit())
                .setTestLimit(e.dataset().testLimit()))
        .setAttack(AttackSpecs.toApi(attack))
        .setModel(ModelSpec.newBuilder().setArch(apiModelArch(e.model())))
        .setAbl(
            io.ablserve.v1.AblConfig.newBuilder()
                .setEpochs(abl.epochs())
                .setIsolationEpochs(abl.isolationEpochs())
                .setIsolationRatio(abl.isolationRatio())
                .setIsolationLoss(api(io.ablserve.v1.IsolationLoss.class, LOSS_PREFIX, abl.isolationLoss()))
                .setLgaGamma(abl.lgaGamma())
                .setFloodingLevel(abl.floodingLevel())
                .setLossReduction(api(io.ablserve.v1.LossReduction.class, REDUCTION_PREFIX, abl.lossReduction()))
                .setLearningRate(abl.learningRate())
                .setUnlearningWeight(abl.unlearningWeight())
                .setBatchSize(abl.batchSize())
                .setMomentum(abl.momentum())
                .setWeightDecay(abl.weightDecay())
                .setStepReportInterval(abl.stepReportInterval())
                .setDefense(api(io.ablserve.v1.Defense.class, DEFENSE_PREFIX, abl.defense()))
                .setUnlearningMode(api(io.ablserve.v1.UnlearningMode.class, MODE_PREFIX, abl.unlearningMode()))
                .setUnlearningLearningRate(abl.unlearningLearningRate())
                .setAscentEpochs(abl.ascentEpochs())
                .setRanking(api(io.ablserve.v1.Ranking.class, RANKING_PREFIX, abl.ranking()))
                .setSuspectFiltering(abl.suspectFiltering())
                .setAugmentation(abl.augmentation())
                .setIsolationExpansion(abl.isolationExpansion())
                .setIsolateEarly(abl.isolateEarly())
                .setFinalDecayEpochs(abl.finalDecayEpochs())
                .setTriggerProbe(abl.triggerProbe())
                .setRetrainUnconfirmed(abl.retrainUnconfirmed())
                .setIsolationSignal(api(io.ablserve.v1.IsolationSignal.class, SIGNAL_PREFIX, abl.isolationSignal()))
                .setSuspectTreatment(
                    api(io.ablserve.v1.SuspectTreatment.class, TREATMENT_PREFIX, abl.suspectTreatment())))
        .setDevice(device)
        .setSeed(e.seed());
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
