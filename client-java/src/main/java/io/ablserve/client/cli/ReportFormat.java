package io.ablserve.client.cli;

import io.ablserve.v1.AblConfig;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.BackdoorVerdict;
import io.ablserve.v1.BlendPattern;
import io.ablserve.v1.CleanData;
import io.ablserve.v1.Dataset;
import io.ablserve.v1.DeviceSlot;
import io.ablserve.v1.ListDevicesResponse;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.EpochSummary;
import io.ablserve.v1.FilterResult;
import io.ablserve.v1.FinalResult;
import io.ablserve.v1.FinePruning;
import io.ablserve.v1.FineTuning;
import io.ablserve.v1.IsolationResult;
import io.ablserve.v1.LabelMode;
import io.ablserve.v1.ModeConnectivity;
import io.ablserve.v1.NeuralAttentionDistillation;
import io.ablserve.v1.PatchCorner;
import io.ablserve.v1.Phase;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.StepMetrics;
import io.ablserve.v1.UnlearningMode;
import com.google.protobuf.Timestamp;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * Text the CLI prints, as pure functions of API messages so it is testable without a terminal. Epochs
 * are shown as the API and the Python client count them, from 0 ("epoch 0/10" is the first of ten). The {@link #finalLine} and
 * {@link #sessionLine} are the machine-readable ones: {@code key=value} pairs, fractions not percents.
 */
final class ReportFormat {
  private static final String NONE = "-";

  private ReportFormat() {}

  /** A fraction in [0, 1] as a percentage with two decimals; "-" for NaN (e.g. no poison). */
  static String percent(double fraction) {
    return Double.isNaN(fraction) ? NONE : String.format(Locale.ROOT, "%.2f%%", fraction * 100);
  }

  static String loss(double value) {
    return Double.isNaN(value) ? NONE : String.format(Locale.ROOT, "%.4f", value);
  }

  /** "850ms", "12.3s", "4m 05s", "1h 02m 03s". */
  static String elapsed(long millis) {
    Duration d = Duration.ofMillis(millis);
    if (millis < 1_000) {
      return millis + "ms";
    }
    if (millis < 60_000) {
      return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
    }
    if (millis < 3_600_000) {
      return String.format(Locale.ROOT, "%dm %02ds", d.toMinutes(), d.toSecondsPart());
    }
    return String.format(
        Locale.ROOT, "%dh %02dm %02ds", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
  }

  /** "RUNNING" for SESSION_STATE_RUNNING. */
  static String state(SessionState state) {
    return state.name().replaceFirst("^SESSION_STATE_", "");
  }

  /** "ISOLATION" for PHASE_ISOLATION, "TRAINING" for PHASE_TRAINING; "-" when unspecified. */
  static String phase(Phase phase) {
    return phase == Phase.PHASE_UNSPECIFIED ? NONE : phase.name().replaceFirst("^PHASE_", "");
  }

  /** UTC, to the second: 2026-11-25T10:15:00Z; "-" when unset. */
  static String timestamp(Timestamp time) {
    if (time.getSeconds() == 0 && time.getNanos() == 0) {
      return NONE;
    }
    return Instant.ofEpochSecond(time.getSeconds()).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** Machine-readable: {@code session id=ID state=QUEUED queue_position=0}. */
  static String sessionLine(Session session) {
    return "session id=" + session.getId() + " state=" + state(session.getState())
        + " queue_position=" + session.getQueuePosition() + " priority=" + session.getPriority();
  }

  /**
   * The resolved config, one setting per line; "default" where the server echoed no value. The attack
   * row shows only the parameters of its kind; unlearning and filtering rows show even with defense
   * NONE, so that configs compare row by row.
   */
  static String config(SessionConfig config) {
    DatasetSpec dataset = config.getDataset();
    AblConfig abl = config.getAbl();
    // An echo without a device: a server whose slots decide, where the session took any slot.
    String device = config.getDevice().isEmpty() ? "any slot" : config.getDevice();
    TextTable table = new TextTable("config", "");
    table.row("name", config.getDisplayName().isEmpty() ? NONE : config.getDisplayName());
    table.row("dataset", dataset.getName() + " (train " + limit(dataset.getTrainLimit())
        + ", test " + limit(dataset.getTestLimit()) + ")");
    table.row("attack", attack(config.getAttack()));
    table.row("model", enumName(config.getModel().getArch().name(), "MODEL_ARCH_"));
    table.row("defense", enumName(abl.getDefense().name(), "DEFENSE_"));
    table.row("epochs", opt(abl.hasEpochs(), abl.getEpochs())
        + " (isolation " + opt(abl.hasIsolationEpochs(), abl.getIsolationEpochs()) + ")");
    table.row("isolation", "loss " + enumName(abl.getIsolationLoss().name(), "ISOLATION_LOSS_")
        + " " + enumName(abl.getLossReduction().name(), "LOSS_REDUCTION_")
        + ", ratio " + (abl.hasIsolationRatio() ? percent(abl.getIsolationRatio()) : "default")
        + ", gamma " + opt(abl.hasLgaGamma(), abl.getLgaGamma())
        + ", flooding level " + opt(abl.hasFloodingLevel(), abl.getFloodingLevel()));
    table.row("ranking", enumName(abl.getRanking().name(), "RANKING_"));
    table.row("optimiser", "lr " + opt(abl.hasLearningRate(), abl.getLearningRate())
        + ", momentum " + opt(abl.hasMomentum(), abl.getMomentum())
        + ", weight decay " + opt(abl.hasWeightDecay(), abl.getWeightDecay())
        + ", batch " + opt(abl.hasBatchSize(), abl.getBatchSize()));
    table.row("unlearning", unlearning(abl));
    table.row("unlearning weight", opt(abl.hasUnlearningWeight(), abl.getUnlearningWeight()));
    table.row("suspect filtering", onOff(abl.hasSuspectFiltering(), abl.getSuspectFiltering()));
    table.row("augmentation", onOff(abl.hasAugmentation(), abl.getAugmentation()));
    table.row("isolation expansion", onOff(abl.hasIsolationExpansion(), abl.getIsolationExpansion()));
    table.row("isolate early", onOff(abl.hasIsolateEarly(), abl.getIsolateEarly()));
    if (config.hasCleanData()) {
      CleanData clean = config.getCleanData();
      table.row("clean data", clean.hasCount() ? clean.getCount() + " images"
          : clean.hasFraction() ? percent(clean.getFraction()) + " of the training set" : "default");
    }
    if (config.hasFineTuning()) {
      FineTuning ft = config.getFineTuning();
      table.row("fine-tuning", opt(ft.hasEpochs(), ft.getEpochs()) + " epochs, lr "
          + opt(ft.hasLearningRate(), ft.getLearningRate()));
    }
    if (config.hasFinePruning()) {
      FinePruning fp = config.getFinePruning();
      table.row("fine-pruning", "max accuracy drop "
          + (fp.hasMaxAccuracyDrop() ? percent(fp.getMaxAccuracyDrop()) : "default")
          + ", max ratio " + opt(fp.hasMaxPruneRatio(), fp.getMaxPruneRatio()));
    }
    if (config.hasNad()) {
      NeuralAttentionDistillation nad = config.getNad();
      table.row("attention distillation", opt(nad.hasTeacherEpochs(), nad.getTeacherEpochs())
          + " teacher epochs, beta " + opt(nad.hasBeta(), nad.getBeta())
          + (nad.getLayersCount() == 0 ? "" : ", layers " + String.join(", ", nad.getLayersList())));
    }
    if (config.hasMcr()) {
      ModeConnectivity mcr = config.getMcr();
      table.row("mode connectivity", opt(mcr.hasCurveEpochs(), mcr.getCurveEpochs())
          + " curve epochs, t " + opt(mcr.hasT(), mcr.getT()));
    }
    table.row("seed", opt(config.hasSeed(), config.getSeed()));
    table.row("device", device);
    return table.render();
  }

  /** "SIG target 0, poison rate 10.00%, amplitude 20, frequency 6"; "NONE" alone. */
  private static String attack(AttackSpec a) {
    AttackKind kind = a.getKind();
    String row = enumName(kind.name(), "ATTACK_KIND_");
    if (kind == AttackKind.ATTACK_KIND_NONE) {
      return row;
    }
    row += (a.getLabelMode() == LabelMode.LABEL_MODE_ALL_TO_ALL
            ? " all-to-all"
            : " target " + opt(a.hasTargetLabel(), a.getTargetLabel()))
        + ", poison rate " + (a.hasPoisonRate() ? percent(a.getPoisonRate()) : "default");
    // An unspecified kind is the server's default attack, whichever that is: show what was given.
    boolean any = kind == AttackKind.ATTACK_KIND_UNSPECIFIED;
    boolean cl = kind == AttackKind.ATTACK_KIND_CL;
    if (kind == AttackKind.ATTACK_KIND_BADNETS || cl || any && a.hasPatchSizePx()) {
      row += ", patch " + (a.hasPatchSizePx() ? a.getPatchSizePx() + "px" : "default");
      if (cl && (!a.hasClAllCorners() || a.getClAllCorners())) {
        row += " all corners" + (a.hasPatchMarginPx() ? " margin " + a.getPatchMarginPx() + "px" : "");
      } else if (a.getPatchCorner() != PatchCorner.PATCH_CORNER_UNSPECIFIED || a.hasPatchMarginPx()) {
        row += " " + (a.getPatchCorner() == PatchCorner.PATCH_CORNER_UNSPECIFIED ? "default corner"
            : enumName(a.getPatchCorner().name(), "PATCH_CORNER_").toLowerCase(Locale.ROOT).replace('_', '-'))
            + " margin " + (a.hasPatchMarginPx() ? a.getPatchMarginPx() + "px" : "default");
      }
    }
    if (cl) {
      row += ", epsilon " + opt(a.hasClEpsilon(), a.getClEpsilon())
          + ", " + opt(a.hasClSteps(), a.getClSteps())
          + " steps of " + opt(a.hasClStepSize(), a.getClStepSize())
          + ", surrogate epochs " + opt(a.hasClSurrogateEpochs(), a.getClSurrogateEpochs());
    }
    if (kind == AttackKind.ATTACK_KIND_BLEND || any && a.hasBlendAlpha()) {
      row += ", alpha " + opt(a.hasBlendAlpha(), a.getBlendAlpha());
      if (a.getBlendPattern() == BlendPattern.BLEND_PATTERN_CHECKERBOARD) {
        row += ", checkerboard";
      } else if (a.getBlendPattern() == BlendPattern.BLEND_PATTERN_NOISE || a.hasBlendSeed()) {
        row += ", noise seed " + opt(a.hasBlendSeed(), a.getBlendSeed());
      }
    }
    if (kind == AttackKind.ATTACK_KIND_SIG || any && (a.hasSigAmplitude() || a.hasSigFrequency())) {
      row += ", amplitude " + opt(a.hasSigAmplitude(), a.getSigAmplitude())
          + ", frequency " + opt(a.hasSigFrequency(), a.getSigFrequency());
    }
    if (kind == AttackKind.ATTACK_KIND_WANET
        || any && (a.hasWanetGridSize() || a.hasWanetStrength() || a.hasWanetCrossRatio())) {
      row += ", grid " + opt(a.hasWanetGridSize(), a.getWanetGridSize())
          + ", strength " + opt(a.hasWanetStrength(), a.getWanetStrength())
          + ", cross ratio " + opt(a.hasWanetCrossRatio(), a.getWanetCrossRatio());
    }
    if (kind == AttackKind.ATTACK_KIND_DYNAMIC) {
      row += ", generator epochs " + opt(a.hasDynamicGeneratorEpochs(), a.getDynamicGeneratorEpochs())
          + ", mask epochs " + opt(a.hasDynamicMaskEpochs(), a.getDynamicMaskEpochs())
          + ", mask density " + opt(a.hasDynamicMaskDensity(), a.getDynamicMaskDensity())
          + ", cross ratio " + opt(a.hasDynamicCrossRatio(), a.getDynamicCrossRatio());
    }
    return row;
  }

  /** "GGA, lr 0.01" or "FINETUNE_THEN_ASCENT, lr 0.0005, ascent epochs 1". */
  private static String unlearning(AblConfig abl) {
    UnlearningMode mode = abl.getUnlearningMode();
    String row = enumName(mode.name(), "UNLEARNING_MODE_")
        + ", lr " + opt(abl.hasUnlearningLearningRate(), abl.getUnlearningLearningRate());
    // The server echoes ascent_epochs for every mode; it means something only for this one.
    if (mode == UnlearningMode.UNLEARNING_MODE_FINETUNE_THEN_ASCENT
        || mode == UnlearningMode.UNLEARNING_MODE_UNSPECIFIED && abl.hasAscentEpochs()) {
      row += ", ascent epochs " + opt(abl.hasAscentEpochs(), abl.getAscentEpochs());
    }
    return row;
  }

  /** The progress bar's message: phase, epoch, last batch loss, last evaluated CA/ASR. */
  static String progressMessage(StepMetrics step, EpochSummary lastEpoch) {
    String message = phase(step.getPhase()) + " step " + step.getStep()
        + " loss " + loss(step.getBatchLoss());
    if (lastEpoch != null) {
      message += " | CA " + percent(lastEpoch.getCleanAccuracy())
          + " ASR " + percent(lastEpoch.getAttackSuccessRate());
    }
    return message;
  }

  /** One line per finished epoch. */
  static String epochLine(EpochSummary e, int totalEpochs) {
    return String.format(Locale.ROOT,
        "epoch %s %-11s CA %7s  ASR %7s  loss poisoned %s clean %s  isolation precision %s"
            + " recall %s  %s",
        epochOf(e.getEpoch(), totalEpochs), phase(e.getPhase()),
        percent(e.getCleanAccuracy()), percent(e.getAttackSuccessRate()),
        loss(e.getMeanLossPoisoned()), loss(e.getMeanLossClean()),
        percent(e.getIsolationPrecision()), percent(e.getIsolationRecall()),
        elapsed(e.getTrainElapsedMs()));
  }

  static String isolationLine(IsolationResult r) {
    return String.format(Locale.ROOT,
        "isolated %d of %d samples after epoch %d (%d poisoned in the training set):"
            + " precision %s recall %s",
        r.getIndicesCount(), r.getTrainSize(), r.getEpoch(), r.getTrainPoisonedCount(),
        percent(r.getPrecision()), percent(r.getRecall()));
  }

  /**
   * Suspect filtering, "filtered 1095 suspects from the kept set after epoch 3: ...", or isolation
   * expansion, "isolated 890 more samples by their activations at epoch 5: ...".
   */
  static String filterLine(FilterResult r) {
    return String.format(Locale.ROOT,
        r.getExpansion()
            ? "isolated %d more samples by their activations at epoch %d: precision %s recall %s, %d kept"
            : "filtered %d suspects from the kept set after epoch %d: precision %s recall %s, %d kept",
        r.getRemovedCount(), r.getEpoch(), percent(r.getPrecision()), percent(r.getRecall()),
        r.getKeptSize());
  }

  /**
   * The human-readable result table: the clean accuracy with its breakdown by class (the attack's
   * {@code targetLabel} marked; -1 when unknown or there is no attack), then, below it, the backdoor
   * check's {@link #verdictLine} when one ran.
   */
  static String finalTable(FinalResult r, int targetLabel) {
    TextTable table = new TextTable("result", "")
        .alignRight(1)
        .row("clean accuracy (CA)", percent(r.getCleanAccuracy()));
    for (int label = 0; label < r.getClassAccuracyCount(); label++) {
      table.row("  class " + label + (label == targetLabel ? " (target)" : ""),
          percent(r.getClassAccuracy(label)));
    }
    table
        .row("attack success rate (ASR)", percent(r.getAttackSuccessRate()))
        .row("isolation precision", percent(r.getIsolationPrecision()))
        .row("isolation recall", percent(r.getIsolationRecall()))
        .row("epochs", Integer.toString(r.getEpochs()))
        .row("elapsed", elapsed(r.getElapsedMs()));
    if (r.getPrunedChannels() > 0) {
      table.row("pruned channels", Integer.toString(r.getPrunedChannels()));
    }
    String rendered = table.render();
    return r.getVerdict().getTested()
        ? rendered + verdictLine(r.getVerdict(), targetLabel) + "\n"
        : rendered;
  }

  /**
   * The backdoor check in one line: "backdoor confirmed at label 0: evidence 9.10 >= threshold 6.00
   * (margin +3.10); 890 samples ascended, 12 suspects set apart", or "no backdoor confirmed
   * (evidence 2.31 < threshold 6.00, strongest label 3)". A confirmed label other than the
   * attack's {@code targetLabel} (-1: unknown) is pointed out.
   */
  static String verdictLine(BackdoorVerdict v, int targetLabel) {
    if (!v.getTested()) {
      return "no backdoor check";
    }
    if (v.getConfirmed()) {
      String line = String.format(Locale.ROOT,
          "backdoor confirmed at label %d: evidence %.2f >= threshold %.2f (margin %+.2f);"
              + " %d samples ascended, %d suspects set apart",
          v.getLabel(), v.getEvidence(), v.getThreshold(), v.getMargin(), v.getAscendedCount(),
          v.getSuspectCount());
      return targetLabel >= 0 && targetLabel != v.getLabel()
          ? line + " (the attack's target is " + targetLabel + ")"
          : line;
    }
    if (v.getLabel() < 0) {
      return "no backdoor confirmed (no label split into a cluster and a rest)";
    }
    return String.format(Locale.ROOT,
        "no backdoor confirmed (evidence %.2f < threshold %.2f, strongest label %d)",
        v.getEvidence(), v.getThreshold(), v.getLabel());
  }

  /** The attack's target label as the resolved config gives it; -1 without an attack or a target. */
  static int targetLabel(SessionConfig config) {
    AttackSpec attack = config.getAttack();
    return attack.getKind() == AttackKind.ATTACK_KIND_NONE || !attack.hasTargetLabel()
        ? -1
        : attack.getTargetLabel();
  }

  /**
   * Machine-readable, always the last line of {@code run} and {@code watch}: {@code final
   * state=SUCCEEDED ca=0.912300 asr=0.004100 isolation_precision=0.985000 isolation_recall=0.098500
   * epochs=10 elapsed_ms=83400}; only {@code state=} when there is no result.
   */
  static String finalLine(SessionState state, FinalResult result) {
    String line = "final state=" + state(state);
    if (result == null) {
      return line;
    }
    return line + String.format(Locale.ROOT,
        " ca=%.6f asr=%.6f isolation_precision=%.6f isolation_recall=%.6f epochs=%d elapsed_ms=%d",
        result.getCleanAccuracy(), result.getAttackSuccessRate(), result.getIsolationPrecision(),
        result.getIsolationRecall(), result.getEpochs(), result.getElapsedMs());
  }

  /**
   * The epochs a session with the resolved {@code config} trains: abl.epochs, then any fine-tuning epochs
   * (MCR's for each of its two endpoints), NAD's teacher epochs and MCR's curve epochs.
   */
  static int totalEpochs(SessionConfig config) {
    int fineTuning = config.hasFineTuning() ? config.getFineTuning().getEpochs() : 0;
    return config.getAbl().getEpochs() + (config.hasMcr() ? 2 : 1) * fineTuning
        + (config.hasNad() ? config.getNad().getTeacherEpochs() : 0)
        + (config.hasMcr() ? config.getMcr().getCurveEpochs() : 0);
  }

  /** The {@code list} table. */
  static String sessionsTable(List<Session> sessions) {
    TextTable table = new TextTable(
        "ID", "NAME", "STATE", "PHASE", "EPOCH", "QUEUE", "PRIO", "CA", "ASR", "CREATED")
        .alignRight(4, 5, 6, 7, 8);
    for (Session s : sessions) {
      boolean running = s.getState() == SessionState.SESSION_STATE_RUNNING;
      boolean queued = s.getState() == SessionState.SESSION_STATE_QUEUED;
      // Retraining after an unconfirmed check: the session's epochs come after the isolation ones.
      int epochs =
          totalEpochs(s.getConfig())
              + (s.getPhase() == Phase.PHASE_RETRAINING ? s.getConfig().getAbl().getIsolationEpochs() : 0);
      table.row(
          s.getId(),
          s.getConfig().getDisplayName().isEmpty() ? NONE : s.getConfig().getDisplayName(),
          state(s.getState()),
          running ? phase(s.getPhase()) : NONE,
          queued ? NONE : running ? epochOf(s.getEpoch(), epochs) : Integer.toString(s.getEpoch()),
          s.getQueuePosition() >= 0 ? Integer.toString(s.getQueuePosition()) : NONE,
          Integer.toString(s.getPriority()),
          s.hasResult() ? percent(s.getResult().getCleanAccuracy()) : NONE,
          s.hasResult() ? percent(s.getResult().getAttackSuccessRate()) : NONE,
          timestamp(s.getCreatedAt()));
    }
    return table.render();
  }

  /**
   * The slots, one row each (the session on a busy slot, or "busy" where it is another user's; the memory
   * of the process training there in MiB, a GPU's in use / total), then a line: how sessions train and
   * how many wait.
   */
  static String devicesTable(ListDevicesResponse devices) {
    TextTable table = new TextTable("SLOT", "DEVICE", "THREADS", "SESSION", "PID", "MEM MiB", "GPU MiB")
        .alignRight(2, 4, 5);
    for (DeviceSlot s : devices.getSlotsList()) {
      table.row(
          s.getName(),
          s.getDevice(),
          s.getThreads() > 0 ? Integer.toString(s.getThreads()) : "all",
          !s.getBusy() ? "idle" : s.getSessionId().isEmpty() ? "busy" : s.getSessionId(),
          s.getWorkerPid() > 0 ? Long.toString(s.getWorkerPid()) : NONE,
          s.getResidentBytes() > 0 ? Long.toString(s.getResidentBytes() >> 20) : NONE,
          s.getGpuMemoryTotalBytes() > 0
              ? (s.getGpuMemoryUsedBytes() >> 20) + " / " + (s.getGpuMemoryTotalBytes() >> 20)
              : NONE);
    }
    return table.render() + "isolation " + devices.getIsolation()
        + (devices.hasQueuedSessions() ? ", " + devices.getQueuedSessions() + " queued" : "") + "\n";
  }

  /** One line per dataset for scripts: {@code dataset id=... name=... layout=... train=... ...}. */
  static String datasetLine(Dataset d) {
    return "dataset id=" + d.getId() + " name=" + d.getName() + " layout=" + d.getLayout()
        + " train=" + d.getTrainSamples() + " test=" + d.getTestSamples()
        + " shape=" + shape(d) + " classes=" + d.getNumClasses()
        + " bytes=" + d.getSizeBytes() + " sha256=" + d.getSha256();
  }

  /** The configured datasets, then the uploaded ones, each row with its KIND last. */
  static String datasetsTable(List<Dataset> configured, List<Dataset> uploaded) {
    TextTable table = new TextTable(
        "ID", "NAME", "OWNER", "LAYOUT", "TRAIN", "TEST", "SHAPE", "CLASSES", "MB", "CREATED", "KIND")
        .alignRight(4, 5, 7, 8);
    for (Dataset d : configured) {
      // Sizes are 0 until the server has loaded the dataset, and it has no owner, file or date.
      table.row(
          d.getId(), d.getName(), "-", d.getLayout().isEmpty() ? "-" : d.getLayout(),
          Integer.toString(d.getTrainSamples()), Integer.toString(d.getTestSamples()), shape(d),
          Integer.toString(d.getNumClasses()), "-", "-", "configured");
    }
    for (Dataset d : uploaded) {
      table.row(
          d.getId(), d.getName(), d.getOwner(), d.getLayout(),
          Integer.toString(d.getTrainSamples()), Integer.toString(d.getTestSamples()), shape(d),
          Integer.toString(d.getNumClasses()),
          String.format(Locale.ROOT, "%.1f", d.getSizeBytes() / 1e6),
          timestamp(d.getCreatedAt()), "uploaded");
    }
    return table.render();
  }

  private static String shape(Dataset d) {
    return d.getChannels() + "x" + d.getHeightPx() + "x" + d.getWidthPx();
  }

  private static String epochOf(int zeroBasedEpoch, int totalEpochs) {
    return zeroBasedEpoch + "/" + (totalEpochs > 0 ? Integer.toString(totalEpochs) : "?");
  }

  private static String limit(int limit) {
    return limit > 0 ? Integer.toString(limit) : "all";
  }

  private static String enumName(String name, String prefix) {
    return name.endsWith("_UNSPECIFIED") ? "default" : name.substring(prefix.length());
  }

  private static String onOff(boolean present, boolean on) {
    return !present ? "default" : on ? "on" : "off";
  }

  private static String opt(boolean present, Object value) {
    if (!present) {
      return "default";
    }
    // Hyperparameters as typed on the command line: 0.0001 and 1, not 1.0E-4 and 1.0.
    return value instanceof Double d && Double.isFinite(d)
        ? BigDecimal.valueOf(d).stripTrailingZeros().toPlainString()
        : String.valueOf(value);
  }
}
