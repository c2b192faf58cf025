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
   * diverged (loss 1e27, clean accuracy 10.7% after one epoch at lr 0.01 on Fashion-MNIST). Its weight
   * falls as D_b grows past {@link #FULL_WEIGHT_SHARE} of the step ({@link #ascentWeight}).
   */
  GGA;

  /**
   * D_b's share of a GGA step (its samples over the D_c samples) up to which the ascent weighs {@code
   * unlearningWeight} in full: 4 samples beside a batch of 128. The paper's 1% isolation stays under it.
   */
  static final double FULL_WEIGHT_SHARE = 4.0 / 128;

  /** The least share of {@code unlearningWeight} the ascent keeps however large D_b is. */
  static final double MIN_WEIGHT_FRACTION = 0.25;

  /**
   * The ascent's weight in a GGA step of {@code clean} D_c and {@code isolated} D_b samples: {@code weight}
   * while D_b's share is at most {@link #FULL_WEIGHT_SHARE}, then falling in proportion to the share, down
   * to {@link #MIN_WEIGHT_FRACTION} of it. At full weight a confirmed D_b of thousands (20-50% poison)
   * pulled the target label down on the source classes' content: held-out Blend 20% cost the target class
   * 20-24 points and Blend 50% 3-5 points of CA while the backdoor was gone long before (bench/RESULTS.md,
   * "the ascent's weight"). Without the floor, 50% poison kept ASR 17-18% from the poisons D_c still held.
   */
  static double ascentWeight(double weight, int clean, int isolated) {
    double share = (double) isolated / Math.max(1, clean);
    return weight * Math.max(MIN_WEIGHT_FRACTION, Math.min(1.0, FULL_WEIGHT_SHARE / share));
  }

  NDArray apply(NDArray ce, int clean, int isolated, AblConfig config, int numClasses) {
    return switch (this) {
      case DESCENT -> ce.mean();
      case ISOLATION -> Losses.isolationObjective(ce, config);
      case ASCENT -> ce.mean().neg();
      case GGA ->
          gga(
              ce, clean, isolated, ascentWeight(config.unlearningWeight(), clean, isolated),
              (float) Math.log(numClasses));
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
