package io.ablserve.server.session;

import com.google.common.primitives.Doubles;
import com.google.common.primitives.Ints;
import com.google.common.primitives.Longs;
import io.ablserve.server.train.BackdoorCheckReport;
import io.ablserve.server.train.ProbeReport;
import io.ablserve.server.train.EpochReport;
import io.ablserve.server.train.FilterReport;
import io.ablserve.server.train.IsolationReport;
import io.ablserve.server.train.StepReport;
import io.ablserve.server.train.TrainingOutcome;
import io.ablserve.server.train.Verdict;
import io.ablserve.v1.BackdoorCheckResult;
import io.ablserve.v1.TriggerProbeResult;
import io.ablserve.v1.BackdoorVerdict;
import io.ablserve.v1.ConfusionMatrix;
import io.ablserve.v1.EpochSummary;
import io.ablserve.v1.FilterResult;
import io.ablserve.v1.FinalResult;
import io.ablserve.v1.IsolationResult;
import io.ablserve.v1.LabelEvidence;
import io.ablserve.v1.Phase;
import io.ablserve.v1.PhaseChange;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.StateChange;
import io.ablserve.v1.StepMetrics;

/**
 * The training core's reports in their v1 event form (sequence and time are left to the log); also the
 * form in which a worker process sends them to the control plane.
 */
public final class TelemetryEvents {
  private TelemetryEvents() {}

  public static Phase phase(io.ablserve.server.train.Phase phase) {
    return switch (phase) {
      case ISOLATION -> Phase.PHASE_ISOLATION;
      case ISOLATED -> Phase.PHASE_ISOLATED;
      case UNLEARNING -> Phase.PHASE_UNLEARNING;
      case TRAINING -> Phase.PHASE_TRAINING;
      case FINETUNING -> Phase.PHASE_FINETUNING;
      case RETRAINING -> Phase.PHASE_RETRAINING;
    };
  }

  public static SessionEvent.Builder phaseChange(io.ablserve.server.train.Phase phase, int epoch) {
    return SessionEvent.newBuilder()
        .setPhase(PhaseChange.newBuilder().setPhase(phase(phase)).setEpoch(epoch));
  }

  public static SessionEvent.Builder step(StepReport r) {
    return SessionEvent.newBuilder()
        .setStep(
            StepMetrics.newBuilder()
                .setPhase(phase(r.phase()))
                .setEpoch(r.epoch())
                .setStep(r.step())
                .setBatchLoss(r.batchLoss())
                .setObjective(r.objective())
                .setLearningRate(r.learningRate())
                .setImagesPerSecond(r.imagesPerSecond()));
  }

  public static SessionEvent.Builder epoch(EpochReport r) {
    return SessionEvent.newBuilder()
        .setEpoch(
            EpochSummary.newBuilder()
                .setPhase(phase(r.phase()))
                .setEpoch(r.epoch())
                .setCleanAccuracy(r.cleanAccuracy())
                .setAttackSuccessRate(r.attackSuccessRate())
                .setMeanLossPoisoned(r.meanLossPoisoned())
                .setMeanLossClean(r.meanLossClean())
                .setIsolationPrecision(r.isolationPrecision())
                .setIsolationRecall(r.isolationRecall())
                .setTrainElapsedMs(r.trainElapsedMs())
                .setImagesPerSecond(r.imagesPerSecond())
                .addAllClassAccuracy(Doubles.asList(r.classAccuracy())));
  }

  public static SessionEvent.Builder isolation(IsolationReport r) {
    IsolationResult.Builder result =
        IsolationResult.newBuilder()
            .setEpoch(r.epoch())
            .setPrecision(r.precision())
            .setRecall(r.recall())
            .setTrainSize(r.trainSize())
            .setTrainPoisonedCount(r.poisonedCount())
            .setVerdict(verdict(r.verdict()));
    for (int i = 0; i < r.indices().length; i++) {
      result.addIndices(r.indices()[i]).addLosses(r.losses()[i]).addPoisoned(r.poisoned()[i]);
    }
    return SessionEvent.newBuilder().setIsolation(result);
  }

  public static SessionEvent.Builder filter(FilterReport r) {
    return SessionEvent.newBuilder()
        .setFilter(
            FilterResult.newBuilder()
                .setEpoch(r.epoch())
                .setRemovedCount(r.removedCount())
                .setPrecision(r.precision())
                .setRecall(r.recall())
                .setKeptSize(r.keptSize())
                .setExpansion(r.expansion())
                .addAllIndices(Ints.asList(r.indices())));
  }

  public static SessionEvent.Builder check(BackdoorCheckReport r) {
    BackdoorCheckResult.Builder check =
        BackdoorCheckResult.newBuilder().setEpoch(r.epoch()).setVerdict(verdict(r.verdict()));
    for (BackdoorCheckReport.LabelEvidence l : r.labels()) {
      check.addLabels(
          LabelEvidence.newBuilder()
              .setLabel(l.label())
              .setClusterSize(l.clusterSize())
              .setLabelSize(l.labelSize())
              .setSeparation(l.separation())
              .setLossGapNats(l.lossGap())
              .setRunnerUpDiversity(l.diversity())
              .setRestRunnerUpDiversity(l.restDiversity())
              .setEvidence(l.evidence()));
    }
    ProbeReport p = r.probe();
    if (p.ran()) {
      check.setProbe(
          TriggerProbeResult.newBuilder()
              .setTrusted(p.trusted())
              .setRounds(p.rounds())
              .setSuspectThreshold(p.suspectThreshold())
              .setAscendThreshold(p.ascendThreshold())
              .setHeldOutRecall(p.heldOutRecall())
              .setHeldOutFalseRate(p.heldOutFalseRate())
              .setAscendedCount(p.ascended())
              .setSuspectCount(p.suspected())
              .setDemotedCount(p.demoted()));
    }
    return SessionEvent.newBuilder().setCheck(check);
  }

  public static FinalResult result(TrainingOutcome o) {
    FinalResult.Builder result = FinalResult.newBuilder();
    if (o.confusionMatrix().length > 0) {
      result.setConfusionMatrix(confusionMatrix(o.confusionMatrix()));
    }
    return result
        .setCleanAccuracy(o.cleanAccuracy())
        .setAttackSuccessRate(o.attackSuccessRate())
        .setIsolationPrecision(o.isolationPrecision())
        .setIsolationRecall(o.isolationRecall())
        .setEpochs(o.epochs())
        .setElapsedMs(o.elapsedMs())
        .addAllClassAccuracy(Doubles.asList(o.classAccuracy()))
        .setVerdict(verdict(o.verdict()))
        .setPrunedChannels(o.prunedChannels())
        .build();
  }

  /** Row-major {@code counts} of a square matrix, as the v1 message. */
  static ConfusionMatrix confusionMatrix(long[] counts) {
    return ConfusionMatrix.newBuilder()
        .setNumClasses((int) Math.round(Math.sqrt(counts.length)))
        .addAllCounts(Longs.asList(counts))
        .build();
  }

  public static BackdoorVerdict verdict(Verdict v) {
    if (!v.tested()) {
      return BackdoorVerdict.getDefaultInstance();
    }
    return BackdoorVerdict.newBuilder()
        .setTested(true)
        .setConfirmed(v.confirmed())
        .setLabel(v.label())
        .setEvidence(v.evidence())
        .setThreshold(v.threshold())
        .setMargin(v.margin())
        .setAscendedCount(v.ascendedCount())
        .setSuspectCount(v.suspectCount())
        .addAllClassEvidence(Doubles.asList(v.classEvidence()))
        .build();
  }

  public static SessionEvent.Builder stateChange(SessionState state, String reason) {
    return SessionEvent.newBuilder()
        .setState(StateChange.newBuilder().setState(state).setReason(reason));
  }

  /** True for the states a session never leaves. */
  public static boolean isTerminal(SessionState state) {
    return switch (state) {
      case SESSION_STATE_SUCCEEDED,
          SESSION_STATE_FAILED,
          SESSION_STATE_CANCELLED,
          SESSION_STATE_INTERRUPTED -> true;
      default -> false;
    };
  }
}
