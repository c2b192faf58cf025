package io.ablserve.server.train;

/**
 * {@link IsolationSignal#LOSS_DROP}: each sample's mean training loss over the isolation epochs, ranked as
 * the loss is.
 */
final class LossDropScorer implements SignalScorer {
  @Override
  public float[] scores(IsolationSignals samples) {
    return Isolation.scores(
        samples.trainingLosses(), samples.labels(), samples.numClasses(), samples.ranking());
  }

  @Override
  public boolean needsTrainingLosses() {
    return true;
  }
}
