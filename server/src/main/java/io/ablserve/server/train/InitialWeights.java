package io.ablserve.server.train;

import ai.djl.ndarray.NDManager;

/**
 * The weights a session's model starts from, drawn again: the same network initialised from the same seed,
 * so a model sent back to them trains as a fresh one of {@link Defense#NONE} would.
 */
@FunctionalInterface
interface InitialWeights {
  /** Weights that never drew anything: a run that has no way to draw them again (tests of one stage). */
  InitialWeights NONE =
      parent -> {
        throw new IllegalStateException("this run cannot draw its initial weights again");
      };

  /** The initial weights, on a sub-manager of {@code parent} that the result's {@code close} frees. */
  NetworkWeights draw(NDManager parent);
}
