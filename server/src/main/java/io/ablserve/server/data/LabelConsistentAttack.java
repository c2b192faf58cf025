package io.ablserve.server.data;

import java.util.Random;

/**
 * {@link AttackKind#CL}, label-consistent: target-class samples made hard to classify by an {@link
 * AdversarialPerturbation}, then stamped with the BadNets patch (at all four corners, as the paper does,
 * unless {@code attack.cl_all_corners} is off), labels kept; the test side is the patch alone.
 */
public final class LabelConsistentAttack implements Attack {

  @Override
  public void checkFits(AttackConfig config, int height, int width) {
    BadNetsTrigger.checkFits(config.patchSizePx(), config.patchMarginPx(), height, width);
  }

  @Override
  public Trigger trigger(AttackConfig config) {
    return config.cl().allCorners()
        ? Trigger.allCorners(config.patchSizePx(), config.patchMarginPx())
        : new BadNetsTrigger(config.patchSizePx(), config.patchCorner(), config.patchMarginPx());
  }

  @Override
  public Trigger trainTrigger(
      ImageSet train, int[] chosen, AttackConfig config, byte[] pixels, Random rng) {
    // Made hard to classify first, so the model leans on the patch stamped over the perturbation.
    AdversarialPerturbation.apply(train, chosen, config.cl(), pixels, rng.nextLong());
    return trigger(config);
  }
}
