package io.ablserve.server.train;

import java.util.ArrayList;
import java.util.List;

/** Keeps every report a training run sends, in order. */
final class RecordingListener implements TrainingListener {
  final List<Object> events = new ArrayList<>();
  final List<EpochReport> epochs = new ArrayList<>();
  final List<StepReport> steps = new ArrayList<>();
  IsolationReport isolation;
  final List<FilterReport> filters = new ArrayList<>();
  final List<BackdoorCheckReport> checks = new ArrayList<>();

  @Override
  public void onPhase(Phase phase, int epoch) {
    events.add(phase);
  }

  @Override
  public void onStep(StepReport report) {
    steps.add(report);
    events.add(report);
  }

  @Override
  public void onEpoch(EpochReport report) {
    epochs.add(report);
    events.add(report);
    System.out.printf(
        "epoch %d %s CA=%.3f ASR=%.3f loss(poison)=%.3f loss(clean)=%.3f prec=%.2f %.0f img/s%n",
        report.epoch(), report.phase(), report.cleanAccuracy(), report.attackSuccessRate(),
        report.meanLossPoisoned(), report.meanLossClean(), report.isolationPrecision(),
        report.imagesPerSecond());
  }

  @Override
  public void onFilter(FilterReport report) {
    filters.add(report);
    events.add(report);
    System.out.printf(
        "filtered %d: precision %.3f recall %.3f, %d kept%n",
        report.removedCount(), report.precision(), report.recall(), report.keptSize());
  }

  @Override
  public void onBackdoorCheck(BackdoorCheckReport report) {
    checks.add(report);
    events.add(report);
  }

  @Override
  public void onIsolation(IsolationReport report) {
    isolation = report;
    events.add(report);
    System.out.printf(
        "isolated %d: precision %.3f recall %.3f%n",
        report.indices().length, report.precision(), report.recall());
  }
}
