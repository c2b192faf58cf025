package io.ablserve.server.train;

/**
 * {@link Defense#NONE}: plain cross-entropy training on every sample, poisons included, for every epoch,
 * with the configured learning-rate decay. The undefended baseline, and the first stage of the baselines
 * that fine-tune after it ({@link FineTuningDefense}, {@link FinePruningDefense}).
 */
public final class PlainTraining implements DefenseStrategy {

  @Override
  public TrainingOutcome train(TrainingRun run) {
    trainPlainly(run);
    return run.outcome();
  }

  /** The plain epochs still to run of {@code run}'s {@code abl.epochs}; none once they are all done. */
  static void trainPlainly(TrainingRun run) {
    AblConfig config = run.config();
    if (run.nextEpoch() == 0) {
      run.listener().onPhase(Phase.TRAINING, 0);
    }
    for (int epoch = run.nextEpoch(); epoch < config.epochs(); epoch++) {
      run.beginEpoch(epoch);
      run.learningRate(config.decayed(config.learningRate(), epoch));
      run.run(Phase.TRAINING, epoch, run.shuffled(run.all()), new int[0], Objective.DESCENT);
      run.endEpoch(Phase.TRAINING);
    }
  }
}
