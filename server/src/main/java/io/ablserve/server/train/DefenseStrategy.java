package io.ablserve.server.train;

/**
 * What a run does with possibly poisoned data, epoch by epoch: one per {@link Defense}, registered through
 * Guice ({@code DefenseModule}). {@link AblTrainer} prepares the shared pieces of a run (loaders,
 * evaluator, epochs, a checkpoint restored) and hands them over as a {@link TrainingRun}; the strategy runs
 * the epochs from {@link TrainingRun#nextEpoch()} to the last. Strategies keep no per-run state: one
 * instance serves every session.
 */
public interface DefenseStrategy {

  /** Runs the remaining epochs of {@code run} and returns its figures ({@link TrainingRun#outcome()}). */
  TrainingOutcome train(TrainingRun run);

  /** The epochs a run of this defence trains in all: the session's {@code abl.epochs} unless it adds some. */
  default int totalEpochs(AblConfig config, FineTuning fineTuning) {
    return config.epochs();
  }
}
