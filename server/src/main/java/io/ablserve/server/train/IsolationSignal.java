package io.ablserve.server.train;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What isolation ranks the training samples by at the turn: the lowest-scored share becomes the ranking's
 * pick (the paper's D_b), and with the backdoor check each label's two-means split starts from its
 * lowest-scored tenth. Every signal is normalised within its label ({@link IsolationSignals}), so a class
 * that is easy or diverse as a whole does not fill the pick. bench/RESULTS.md ("isolation signals") has
 * what each found on the evaluation grid. Each is scored by a {@link SignalScorer}, the server's own named
 * here, so that Guice's {@code IsolationModule} registers one per signal and a test's module may put
 * another in place of any; code that ranks without an injector uses them directly ({@link
 * #standardScorers}).
 */
public enum IsolationSignal {
  /** The paper: each sample's cross-entropy at the turn, ranked per {@link Ranking}. */
  LOSS(LossScorer::new),
  /**
   * How fast a sample's loss fell: its mean training loss over the isolation epochs (the area under its
   * loss curve), so a sample learned in the first epoch scores below one learned in the last.
   */
  LOSS_DROP(LossDropScorer::new),
  /**
   * Sensitivity to transformations (D-ST, Chen et al., NeurIPS 2022): how far a sample's penultimate
   * activations move when the image is flipped left to right or shifted by an eighth of its width, over
   * their norm. A trigger tied to a position or a pattern breaks under both; an object's features mostly
   * survive them.
   */
  TRANSFORM_SENSITIVITY(TransformSensitivityScorer::new),
  /**
   * Spectral signatures (Tran et al., NeurIPS 2018): within each label, the squared projection of a
   * sample's centred penultimate activations on their top singular vector; a backdoor's samples, a
   * direction of their own in the label, score highest.
   */
  SPECTRAL(SpectralScorer::new),
  /** The mean of the four signals' rank percentiles: a sample must look suspect to most of them. */
  COMBINED(CombinedScorer::new);

  private final Supplier<SignalScorer> standardScorer;

  IsolationSignal(Supplier<SignalScorer> standardScorer) {
    this.standardScorer = standardScorer;
  }

  /** The server's own scorer of this signal. */
  public SignalScorer standardScorer() {
    return standardScorer.get();
  }

  /** The server's own scorer of every signal, by signal: what {@code IsolationModule} registers. */
  public static Map<IsolationSignal, SignalScorer> standardScorers() {
    Map<IsolationSignal, SignalScorer> scorers = new EnumMap<>(IsolationSignal.class);
    for (IsolationSignal signal : values()) {
      scorers.put(signal, signal.standardScorer());
    }
    return scorers;
  }
}
