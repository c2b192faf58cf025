package io.ablserve.server.data;

import java.util.Random;

/**
 * All-to-one poisoning: a share of the training samples whose class is not the target get the trigger and
 * the target label; the test side triggers every test image whose true class is not the target.
 */
public final class Poisoning {
  private Poisoning() {}

  /**
   * Poisons {@code round(poisonRate * size)} training samples chosen uniformly (seeded) among those whose
   * label is not the target. The input is not modified.
   */
  public static PoisonedSet poisonTrain(ImageSet train, AttackConfig attack, Random rng) {
    boolean[] poisoned = new boolean[train.size()];
    if (attack.kind() == AttackKind.NONE) {
      return new PoisonedSet(train, poisoned);
    }
    checkTarget(train, attack);
    int[] candidates = nonTargetIndices(train, attack.targetLabel());
    int count = (int) Math.round(attack.poisonRate() * train.size());
    if (count > candidates.length) {
      throw new IllegalArgumentException(
          "attack.poison_rate " + attack.poisonRate() + " asks for " + count + " poisoned samples but only "
              + candidates.length + " are outside the target class");
    }
    // Partial Fisher-Yates: the first `count` entries become a uniform sample without replacement.
    for (int i = 0; i < count; i++) {
      int j = i + rng.nextInt(candidates.length - i);
      int t = candidates[i];
      candidates[i] = candidates[j];
      candidates[j] = t;
    }
    byte[] pixels = train.pixels().clone();
    int[] labels = train.labels().clone();
    Trigger trigger = Trigger.of(attack);
    for (int i = 0; i < count; i++) {
      int index = candidates[i];
      trigger.apply(pixels, index * train.imageBytes(), train);
      labels[index] = attack.targetLabel();
      poisoned[index] = true;
    }
    return new PoisonedSet(
        new ImageSet(pixels, labels, train.channels(), train.height(), train.width(), train.numClasses()),
        poisoned);
  }

  /**
   * The attack's test set: every test image whose true class is not the target, triggered and labelled
   * with the target, so its accuracy is the attack success rate. Empty for NONE.
   */
  public static ImageSet triggeredTest(ImageSet test, AttackConfig attack) {
    int[] keep = attack.kind() == AttackKind.NONE ? new int[0] : nonTargetIndices(test, attack.targetLabel());
    if (keep.length > 0) {
      checkTarget(test, attack);
    }
    byte[] pixels = new byte[keep.length * test.imageBytes()];
    int[] labels = new int[keep.length];
    Trigger trigger = keep.length == 0 ? null : Trigger.of(attack);
    for (int i = 0; i < keep.length; i++) {
      System.arraycopy(test.pixels(), keep[i] * test.imageBytes(), pixels, i * test.imageBytes(), test.imageBytes());
      trigger.apply(pixels, i * test.imageBytes(), test);
      labels[i] = attack.targetLabel();
    }
    return new ImageSet(pixels, labels, test.channels(), test.height(), test.width(), test.numClasses());
  }

  private static void checkTarget(ImageSet set, AttackConfig attack) {
    if (attack.targetLabel() >= set.numClasses()) {
      throw new IllegalArgumentException(
          "attack.target_label must be in [0, " + set.numClasses() + "), got " + attack.targetLabel());
    }
  }

  private static int[] nonTargetIndices(ImageSet set, int target) {
    int n = 0;
    for (int label : set.labels()) {
      n += label != target ? 1 : 0;
    }
    int[] out = new int[n];
    int k = 0;
    for (int i = 0; i < set.size(); i++) {
      if (set.labels()[i] != target) {
        out[k++] = i;
      }
    }
    return out;
  }
}
