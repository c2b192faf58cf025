package io.ablserve.server.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/** The losses of ABL, per sample ({@code reduction='none'}) with explicit reductions. */
final class Losses {
  private Losses() {}

  /** Cross-entropy of each sample: {@code -log softmax(logits)[label]}, a vector of the batch size. */
  static NDArray crossEntropy(NDArray logits, NDArray labels) {
    return logits.logSoftmax(1).get(new NDIndex().addAllDim().addPickDim(labels)).neg().reshape(-1);
  }

  /**
   * The isolation objective (a scalar) from per-sample cross-entropies: LGA {@code sign(l - gamma) * l} or
   * flooding {@code |l - b| + b}, applied per sample then averaged, or applied to the batch mean.
   */
  static NDArray isolationObjective(NDArray ce, AblConfig config) {
    NDArray l = config.lossReduction() == LossReduction.BATCH_MEAN ? ce.mean() : ce;
    NDArray transformed =
        switch (config.isolationLoss()) {
          case LGA -> l.sub((float) config.lgaGamma()).sign().mul(l);
          case FLOODING -> l.sub((float) config.floodingLevel()).abs().add((float) config.floodingLevel());
        };
    return transformed.mean();
  }
}
