package io.ablserve.server.data;

/**
 * The label-consistent attack's perturbation and trigger. The perturbation is L-inf PGD (Madry et al. 2018)
 * on a surrogate trained on the clean training set; pixel amounts are on the 0..255 scale. The defaults
 * are those of BackdoorBox's reproduction of the CL paper on CIFAR-10 (epsilon 8, step 1.5, 100 steps) and
 * the paper's trigger at all four corners; grey images get epsilon 16, since a 28x28 grey classifier needs a
 * wider bound before its target-class images turn hard.
 *
 * @param epsilon L-inf bound of the perturbation in pixel levels, in (0, 255] ({@code attack.cl_epsilon});
 *     NaN means by the images ({@link #epsilonFor})
 * @param stepSize PGD step in pixel levels, in (0, 255] ({@code attack.cl_step_size}), default 1.5
 * @param steps PGD steps, in [1, {@value #MAX_STEPS}] ({@code attack.cl_steps}), default 100
 * @param surrogateEpochs epochs of the surrogate's training on the clean set, in [1, {@value
 *     #MAX_SURROGATE_EPOCHS}] ({@code attack.cl_surrogate_epochs}), default 2
 * @param allCorners whether the patch is stamped at the four corners as the CL paper does, or at {@code
 *     attack.patch_corner} alone ({@code attack.cl_all_corners}), default true
 */
public record LabelConsistentParams(
    double epsilon, double stepSize, int steps, int surrogateEpochs, boolean allCorners) {
  public static final int MAX_STEPS = 1000;
  public static final int MAX_SURROGATE_EPOCHS = 50;
  /** The CL paper's CIFAR-10 bound, for images of three channels. */
  public static final double RGB_EPSILON = 8;
  /** The bound for grey (one-channel) images. */
  public static final double GREY_EPSILON = 16;

  public static final LabelConsistentParams DEFAULTS =
      new LabelConsistentParams(Double.NaN, 1.5, 100, 2, true);

  public LabelConsistentParams {
    if (!Double.isNaN(epsilon) && !(epsilon > 0 && epsilon <= 255)) {
      throw new IllegalArgumentException("attack.cl_epsilon must be in (0, 255], got " + epsilon);
    }
    if (!(stepSize > 0 && stepSize <= 255)) {
      throw new IllegalArgumentException("attack.cl_step_size must be in (0, 255], got " + stepSize);
    }
    if (steps < 1 || steps > MAX_STEPS) {
      throw new IllegalArgumentException(
          "attack.cl_steps must be in [1, " + MAX_STEPS + "], got " + steps);
    }
    if (surrogateEpochs < 1 || surrogateEpochs > MAX_SURROGATE_EPOCHS) {
      throw new IllegalArgumentException(
          "attack.cl_surrogate_epochs must be in [1, " + MAX_SURROGATE_EPOCHS + "], got " + surrogateEpochs);
    }
  }

  /** The bound for images of {@code channels} channels: the one set, else the default for grey or colour. */
  public double epsilonFor(int channels) {
    if (!Double.isNaN(epsilon)) {
      return epsilon;
    }
    return channels == 1 ? GREY_EPSILON : RGB_EPSILON;
  }

  /** These parameters with the bound resolved for images of {@code channels} channels. */
  public LabelConsistentParams forChannels(int channels) {
    return new LabelConsistentParams(epsilonFor(channels), stepSize, steps, surrogateEpochs, allCorners);
  }
}
