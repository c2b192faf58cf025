package io.ablserve.server.worker;

import com.google.common.primitives.Booleans;
import com.google.common.primitives.Doubles;
import com.google.common.primitives.Floats;
import com.google.common.primitives.Ints;
import io.ablserve.server.train.EpochReport;
import io.ablserve.server.train.FilterReport;
import io.ablserve.server.train.IsolationReport;
import io.ablserve.server.train.Phase;
import io.ablserve.server.train.StepReport;
import io.ablserve.server.train.TrainingListener;
import io.ablserve.server.train.TrainingOutcome;
import io.ablserve.server.train.Verdict;
import io.ablserve.v1.BackdoorVerdict;
import io.ablserve.v1.EpochSummary;
import io.ablserve.v1.FilterResult;
import io.ablserve.v1.FinalResult;
import io.ablserve.v1.IsolationResult;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.StepMetrics;

/**
 * A worker's events back into the training core's reports, the inverse of {@code TelemetryEvents}: the
 * control plane hands them to the session exactly as an inline run would, so the session logs the same
 * events (every field round-trips: doubles are sent as doubles).
 */
final class WorkerEvents {
  private WorkerEvents() {}

  /** Calls {@code listener} with the report {@code event} carries; IllegalArgumentException for another kind. */
  static void deliver(SessionEvent event, TrainingListener listener) {
    switch (event.getEventCase()) {
      case PHASE -> listener.onPhase(phase(event.getPhase().getPhase()), event.getPhase().getEpoch());
      case STEP -> listener.onStep(step(event.getStep()));
      case EPOCH -> listener.onEpoch(epoch(event.getEpoch()));
      case ISOLATION -> listener.onIsolation(isolation(event.getIsolation()));
      case FILTER -> listener.onFilter(filter(event.getFilter()));
      case CHECK -> listener.onBackdoorCheck(check(event.getCheck()));
      default -> throw new IllegalArgumentException(
          "a worker may send training reports only, got " + event.getEventCase());
    }
  }

  static TrainingOutcome outcome(FinalResult r) {
    return new TrainingOutcome(
        r.getCleanAccuracy(), r.getAttackSuccessRate(), r.getIsolationPrecision(),
        r.getIsolationRecall(), Doubles.toArray(r.getClassAccuracyList()), verdict(r.getVerdict()),
        r.getEpochs(), r.getElapsedMs())
        .withConfusionMatrix(
            r.hasConfusionMatrix() ? r.getConfusionMatrix().getCountsList().stream().mapToLong(Long::longValue).toArray()
                : new long[0])
        .withPrunedChannels(r.getPrunedChannels());
  }

  private static io.ablserve.server.train.BackdoorCheckReport check(io.ablserve.v1.BackdoorCheckResult c) {
    return new io.ablserve.server.train.BackdoorCheckReport(
        c.getEpoch(),
        c.getLabelsList().stream()
            .map(l -> new io.ablserve.server.train.BackdoorCheckReport.LabelEvidence(
                l.getLabel(), l.getClusterSize(), l.getLabelSize(), l.getSeparation(), l.getLossGapNats(),
                l.getRunnerUpDiversity(), l.getRestRunnerUpDiversity(), l.getEvidence()))
            .toList(),
        verdict(c.getVerdict()),
        c.hasProbe()
            ? new io.ablserve.server.train.ProbeReport(
                true, c.getProbe().getTrusted(), c.getProbe().getRounds(), c.getProbe().getSuspectThreshold(),
                c.getProbe().getAscendThreshold(), c.getProbe().getHeldOutRecall(),
                c.getProbe().getHeldOutFalseRate(), c.getProbe().getAscendedCount(),
                c.getProbe().getSuspectCount(), c.getProbe().getDemotedCount())
            : io.ablserve.server.train.ProbeReport.NOT_RUN);
  }

  private static Phase phase(io.ablserve.v1.Phase phase) {
    return switch (phase) {
      case PHASE_ISOLATION -> Phase.ISOLATION;
      case PHASE_ISOLATED -> Phase.ISOLATED;
      case PHASE_UNLEARNING -> Phase.UNLEARNING;
      case PHASE_TRAINING -> Phase.TRAINING;
      case PHASE_FINETUNING -> Phase.FINETUNING;
      case PHASE_RETRAINING -> Phase.RETRAINING;
      default -> throw new IllegalArgumentException("unknown phase " + phase);
    };
  }

  private static StepReport step(StepMetrics m) {
    return new StepReport(
        phase(m.getPhase()), m.getEpoch(), m.getStep(), m.getBatchLoss(), m.getObjective(),
        m.getLearningRate(), m.getImagesPerSecond());
  }

  private static EpochReport epoch(EpochSummary s) {
    return new EpochReport(
        phase(s.getPhase()), s.getEpoch(), s.getCleanAccuracy(), s.getAttackSuccessRate(),
        s.getMeanLossPoisoned(), s.getMeanLossClean(), s.getIsolationPrecision(),
        s.getIsolationRecall(), s.getTrainElapsedMs(), s.getImagesPerSecond(),
        Doubles.toArray(s.getClassAccuracyList()));
  }

  private static IsolationReport isolation(IsolationResult r) {
    return new IsolationReport(
        r.getEpoch(), Ints.toArray(r.getIndicesList()), Floats.toArray(r.getLossesList()),
        Booleans.toArray(r.getPoisonedList()), r.getPrecision(), r.getRecall(), r.getTrainSize(),
        r.getTrainPoisonedCount(), verdict(r.getVerdict()));
  }

  private static FilterReport filter(FilterResult r) {
    return new FilterReport(
        r.getEpoch(), r.getRemovedCount(), r.getPrecision(), r.getRecall(), r.getKeptSize(),
        r.getExpansion());
  }

  private static Verdict verdict(BackdoorVerdict v) {
    if (!v.getTested()) {
      return Verdict.NOT_TESTED;
    }
    return new Verdict(
        true, v.getConfirmed(), v.getLabel(), v.getEvidence(), v.getThreshold(), v.getAscendedCount(),
        v.getSuspectCount(), Doubles.toArray(v.getClassEvidenceList()));
  }
}
