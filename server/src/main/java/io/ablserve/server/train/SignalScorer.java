package io.ablserve.server.train;

/**
 * Scores every training sample at the turn by one {@link IsolationSignal}, lower meaning more suspect (the
 * convention of {@link Isolation#lowest}). One instance serves every run, so a scorer keeps no state: what
 * it reads, and what another signal scored, it asks {@link IsolationSignals} for. The server's own scorer
 * of each signal is {@link IsolationSignal#standardScorer}; Guice's {@code IsolationModule} registers them.
 */
public interface SignalScorer {
  /** Each sample's score, in the order of {@code samples}' losses. */
  float[] scores(IsolationSignals samples);

  /**
   * Whether {@link #scores} reads {@link IsolationSignals#trainingLosses}: a run ranking by this signal then
   * keeps each sample's summed training loss over the isolation epochs beside its model ({@link
   * IsolationSignals#addLosses}).
   */
  default boolean needsTrainingLosses() {
    return false;
  }

  /**
   * What the backdoor check starts each label's two-means split from, the lowest tenth of the label: by
   * default {@code scores}, this signal's own.
   */
  default float[] splitSeeds(IsolationSignals samples, float[] scores) {
    return scores;
  }
}
