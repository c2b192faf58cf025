package io.ablserve.server.train;

/**
 * {@link IsolationSignal#SPECTRAL}: each sample's squared projection on its label's top singular vector of
 * penultimate activations, against its label's median.
 */
final class SpectralScorer implements SignalScorer {
  @Override
  public float[] scores(IsolationSignals samples) {
    return IsolationSignals.perLabel(
        IsolationSignals.spectral(samples.features(), samples.labels(), samples.numClasses()),
        samples.labels(), samples.numClasses());
  }
}
