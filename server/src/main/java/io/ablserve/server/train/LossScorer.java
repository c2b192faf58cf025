package io.ablserve.server.train;

/** {@link IsolationSignal#LOSS}: the paper's, each sample's eval-mode cross-entropy at the turn. */
final class LossScorer implements SignalScorer {
  @Override
  public float[] scores(IsolationSignals samples) {
    return Isolation.scores(samples.losses(), samples.labels(), samples.numClasses(), samples.ranking());
  }

  /**
   * The losses themselves, as the check started from before there were other signals: {@link
   * Ranking#PER_CLASS} divides a label's losses by one median, the same order but where rounding ties two.
   */
  @Override
  public float[] splitSeeds(IsolationSignals samples, float[] scores) {
    return samples.losses();
  }
}
