package io.ablserve.server.train;

import java.util.List;

/**
 * {@link IsolationSignal#TRANSFORM_SENSITIVITY}: how far a flip and a shift move each sample's penultimate
 * activations, over their norm, against the lower quartile of its label's ({@link
 * IsolationSignals#CLEAN_QUANTILE}).
 */
final class TransformSensitivityScorer implements SignalScorer {
  @Override
  public float[] scores(IsolationSignals samples) {
    float[][] plain = samples.features();
    List<float[][]> transformed =
        List.of(samples.features(IsolationSignals::flip), samples.features(IsolationSignals::shift));
    return IsolationSignals.perLabel(
        IsolationSignals.transformSensitivity(plain, transformed), samples.labels(), samples.numClasses(),
        IsolationSignals.CLEAN_QUANTILE);
  }
}
