package io.ablserve.server.data;

import java.util.Random;

/**
 * {@link AttackKind#WANET}: the fixed {@link WaNetTrigger} warp, labels flipped, and {@code
 * attack.wanet_cross_ratio} noise-mode samples per poison warped with fresh noise, labels kept.
 */
public final class WaNetAttack implements Attack {

  @Override
  public Trigger trigger(AttackConfig config) {
    return new WaNetTrigger(config.wanetGridSize(), config.wanetStrength());
  }

  @Override
  public void checkFits(AttackConfig config, int height, int width) {
    int side = Math.min(height, width);
    if (config.wanetGridSize() > side) {
      throw new IllegalArgumentException(
          "attack.wanet_grid_size must be in [2, " + side + "] for " + height + "x" + width + " images, got "
              + config.wanetGridSize());
    }
  }

  @Override
  public double noiseRatio(AttackConfig config) {
    return config.wanetCrossRatio();
  }

  @Override
  public void checkNoiseFits(int noise, int left, AttackConfig config) {
    if (noise > left) {
      throw new IllegalArgumentException(
          "attack.wanet_cross_ratio " + config.wanetCrossRatio() + " asks for " + noise
              + " noise-mode samples but only " + left + " samples are left after poisoning");
    }
  }

  @Override
  public void applyNoiseMode(
      ImageSet train, Trigger trigger, int[] chosen, AttackConfig config, byte[] pixels, Random rng) {
    WaNetTrigger warp = (WaNetTrigger) trigger;
    for (int index : chosen) {
      warp.applyNoisy(pixels, index * train.imageBytes(), train, rng);
    }
  }
}
