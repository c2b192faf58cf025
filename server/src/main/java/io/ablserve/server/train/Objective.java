package io.ablserve.server.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;

/** What a training step back-propagates, from the per-sample cross-entropy of its batch. */
enum Objective {
  /** Mean cross-entropy: plain training and fine-tuning. */
  DESCENT,
  /** LGA or flooding, per {@link AblConfig}: the isolation epochs. */
  ISOLATION,
  /** Negative mean cross-entropy: the official code's ascent on D_b alone. */
  ASCENT,
  /**
   * The paper's GGA on a batch of {@code clean} D_c samples followed by {@code isolated} D_b samples: mean
   * loss of the first minus {@code unlearningWeight} times the mean loss of the second. The ascent term is
   * capped at {@code ln(classes)}, a uniform guess: uncapped, cross-entropy ascent has no maximum and
   * diverged (loss 1e27, clean accuracy 10.7% after one epoch at lr 0.01 on Fashion-MNIST).
   */
  GGA;

  NDArray apply(NDArray ce, int clean, int isolated, AblConfig config, int numClasses) {
    return switch (this) {
      case DESCENT -> ce.mean();
      case ISOLATION -> Losses.isolationObjective(ce, config);
      case ASCENT -> ce.mean().neg();
      case GGA -> gga(ce, clean, isolated, config.unlearningWeight(), (float) Math.log(numClasses));
    };
  }

  private static NDArray gga(NDArray ce, int clean, int isolated, double weight, float cap) {
    float[] weights = new float[clean + isolated];
    float[] caps = new float[clean + isolated];
    Arrays.fill(weights, 0, clean, 1f / clean);
    Arrays.fill(weights, clean, clean + isolated, (float) (-weight / isolated));
    Arrays.fill(caps, 0, clean, Float.MAX_VALUE);
    Arrays.fill(caps, clean, clean + isolated, cap);
    NDManager m = ce.getManager();
    NDArray w = m.create(weights).toDevice(ce.getDevice(), false);
    NDArray c = m.create(caps).toDevice(ce.getDevice(), false);
    return ce.minimum(c).mul(w).sum();
  }
}
