package io.ablserve.server.train;

/**
 * {@link Defense#FT}, the paper's fine-tuning baseline: plain training for the session's epochs, exactly as
 * {@link Defense#NONE}, then {@code fine_tuning.epochs} more epochs of cross-entropy on the trusted clean
 * subset alone ({@code clean_data}) at the constant {@code fine_tuning.learning_rate}, in {@link
 * Phase#FINETUNING}. The fine-tuning epochs are numbered on from the training epochs and report as they do.
 */
public final class FineTuningDefense implements DefenseStrategy {

  @Override
  public TrainingOutcome train(TrainingRun run) {
    PlainTraining.trainPlainly(run);
    fineTune(run);
    return run.outcome();
  }

  @Override
  public int totalEpochs(AblConfig config, FineTuning fineTuning) {
    return config.epochs() + fineTuning.epochs();
  }

  /**
   * The fine-tuning epochs still to run after the plain ones: epochs {@code abl.epochs} to {@code abl.epochs
   * + fine_tuning.epochs - 1}, each over the clean subset in its own random order. A run resumed after one
   * of them goes on with the next.
   */
  static void fineTune(TrainingRun run) {
    int first = run.config().epochs();
    int last = first + run.fineTuning().epochs();
    if (run.nextEpoch() == first) {
      run.listener().onPhase(Phase.FINETUNING, first);
    }
    run.learningRate(run.fineTuning().learningRate());
    for (int epoch = Math.max(first, run.nextEpoch()); epoch < last; epoch++) {
      run.beginEpoch(epoch);
      run.run(Phase.FINETUNING, epoch, run.shuffled(run.clean()), new int[0], Objective.DESCENT);
      run.endEpoch(Phase.FINETUNING);
    }
  }
}
