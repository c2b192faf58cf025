package io.ablserve.server.train;

/**
 * Receives telemetry from a training run. Called on the training thread: implementations must return
 * quickly and never block.
 */
public interface TrainingListener {

  default void onPhase(Phase phase, int epoch) {}

  default void onStep(StepReport report) {}

  default void onEpoch(EpochReport report) {}

  default void onIsolation(IsolationReport report) {}

  default void onFilter(FilterReport report) {}

  /** A backdoor check ran, at the turning epoch or for an early turn. */
  default void onBackdoorCheck(BackdoorCheckReport report) {}

  TrainingListener NONE = new TrainingListener() {};
}
