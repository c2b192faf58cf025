package io.ablserve.server.data;

/**
 * The input-aware dynamic attack's generator training and cross mode (Nguyen & Tran 2020). The server
 * trains a mask generator, then a pattern generator jointly with a small classifier, on the clean training
 * set when it poisons; the defaults are a few epochs, well short of the paper's hundreds, so poisoning stays
 * within minutes on the CPU. The mask density and the diversity and norm weights are the paper's.
 *
 * @param generatorEpochs epochs the pattern generator and the classifier train together, in [1, {@value
 *     #MAX_EPOCHS}] ({@code attack.dynamic_generator_epochs}), default 2
 * @param maskEpochs epochs the mask generator trains alone first, in [0, {@value #MAX_EPOCHS}] ({@code
 *     attack.dynamic_mask_epochs}); 0 leaves it at its initialisation; default 1
 * @param crossRatio cross-mode samples (another image's trigger, own label kept) per poisoned sample, in
 *     [0, 10] ({@code attack.dynamic_cross_ratio}), default 1 (the paper's rho_c = rho_b)
 * @param maskDensity the mean mask value the norm loss lets the masks reach, in (0, 1] ({@code
 *     attack.dynamic_mask_density}), default 0.032
 */
public record DynamicParams(int generatorEpochs, int maskEpochs, double crossRatio, double maskDensity) {
  public static final int MAX_EPOCHS = 50;

  public static final DynamicParams DEFAULTS = new DynamicParams(2, 1, 1, 0.032);

  public DynamicParams {
    if (generatorEpochs < 1 || generatorEpochs > MAX_EPOCHS) {
      throw new IllegalArgumentException(
          "attack.dynamic_generator_epochs must be in [1, " + MAX_EPOCHS + "], got " + generatorEpochs);
    }
    if (maskEpochs < 0 || maskEpochs > MAX_EPOCHS) {
      throw new IllegalArgumentException(
          "attack.dynamic_mask_epochs must be in [0, " + MAX_EPOCHS + "], got " + maskEpochs);
    }
    if (!(crossRatio >= 0 && crossRatio <= 10)) {
      throw new IllegalArgumentException(
          "attack.dynamic_cross_ratio must be in [0, 10], got " + crossRatio);
    }
    if (!(maskDensity > 0 && maskDensity <= 1)) {
      throw new IllegalArgumentException(
          "attack.dynamic_mask_density must be in (0, 1], got " + maskDensity);
    }
  }
}
