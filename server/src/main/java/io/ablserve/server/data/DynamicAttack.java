package io.ablserve.server.data;

import java.util.Arrays;
import java.util.Random;

/**
 * {@link AttackKind#DYNAMIC}, input-aware: a {@link DynamicTrigger} whose generators {@link
 * DynamicAttackTraining} trains on the training set while poisoning it, labels flipped, and {@code
 * attack.dynamic_cross_ratio} cross-mode samples per poison that carry another image's trigger, labels
 * kept.
 */
public final class DynamicAttack implements Attack {

  @Override
  public boolean fixedTrigger() {
    return false;
  }

  @Override
  public Trigger trigger(AttackConfig config) {
    throw new IllegalArgumentException(
        "attack.kind DYNAMIC has no fixed trigger: its generators are trained when a session poisons its"
            + " training set, so only that session's own evaluation can trigger test images with them");
  }

  @Override
  public Trigger trainTrigger(
      ImageSet train, int[] chosen, AttackConfig config, byte[] pixels, Random rng) {
    return DynamicAttackTraining.train(train, config, rng.nextLong());
  }

  @Override
  public double noiseRatio(AttackConfig config) {
    return config.dynamic().crossRatio();
  }

  @Override
  public void checkNoiseFits(int noise, int left, AttackConfig config) {
    if (noise > left) {
      throw new IllegalArgumentException(
          "attack.dynamic_cross_ratio " + config.dynamic().crossRatio() + " asks for " + noise
              + " cross-mode samples but only " + left + " samples are left after poisoning");
    }
  }

  @Override
  public void applyNoiseMode(
      ImageSet train, Trigger trigger, int[] chosen, AttackConfig config, byte[] pixels, Random rng) {
    int[] donors = new int[chosen.length];
    int[] at = new int[chosen.length];
    for (int i = 0; i < chosen.length; i++) {
      // Another image than the sample itself, so its trigger is not its own.
      donors[i] = (chosen[i] + 1 + rng.nextInt(train.size() - 1)) % train.size();
      at[i] = chosen[i] * train.imageBytes();
    }
    ((DynamicTrigger) trigger).apply(train, chosen, donors, pixels, at);
  }
}
