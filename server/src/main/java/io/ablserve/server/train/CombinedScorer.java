package io.ablserve.server.train;

import java.util.List;

/**
 * {@link IsolationSignal#COMBINED}: the mean rank percentile of the four signals it names, each scored by
 * the scorer registered for it.
 */
final class CombinedScorer implements SignalScorer {
  /**
   * The signals combined, named rather than read from the registry: COMBINED is these four as
   * bench/RESULTS.md measured them, and a signal added later joining it unasked would change the runs of
   * every session that ranks by it.
   */
  static final List<IsolationSignal> MEMBERS =
      List.of(
          IsolationSignal.LOSS, IsolationSignal.LOSS_DROP, IsolationSignal.TRANSFORM_SENSITIVITY,
          IsolationSignal.SPECTRAL);

  @Override
  public float[] scores(IsolationSignals samples) {
    return IsolationSignals.combined(MEMBERS.stream().map(samples::scores).toList());
  }

  /** LOSS_DROP is a member. */
  @Override
  public boolean needsTrainingLosses() {
    return true;
  }
}
