package io.ablserve.server.data;

import java.util.Arrays;
import java.util.Optional;
import java.util.Random;

/**
 * Poisoning of a training set and the matching triggered test set. All-to-one dirty-label attacks trigger a
 * share of the training samples whose class is not the target and relabel them to the target; all-to-all,
 * they trigger samples of every class and relabel class {@code y} to {@code (y + 1) mod classes}.
 * Clean-label attacks (SIG, CL) trigger samples of the target class and keep every label. WaNet also warps an
 * extra share of samples with noise and keeps their labels; Dynamic gives an extra share another image's
 * trigger (cross mode) and keeps their labels. The test side triggers every test image whose
 * true class is not the target (all-to-all: every test image), labelled as a poison would be.
 */
public final class Poisoning {
  private Poisoning() {}

  /**
   * Poisons {@code round(poisonRate * size)} training samples chosen uniformly (seeded) among the
   * candidates: samples outside the target class, inside it for a clean-label attack, any sample
   * all-to-all. The label-consistent attack perturbs its samples adversarially before stamping the patch,
   * against a surrogate it trains on {@code train} (seconds to minutes, on the CPU); the dynamic attack
   * first trains its generators on {@code train} (likewise) and gives each poison its own trigger. For
   * WaNet, {@code round(wanetCrossRatio * poisonRate * size)} further samples chosen among the rest get the
   * noisy warp and keep their labels; for Dynamic, {@code round(dynamic.crossRatio * poisonRate * size)}
   * get the trigger of another training image drawn at random, and keep their labels. The input is not
   * modified.
   */
  public static PoisonedSet poisonTrain(ImageSet train, AttackConfig attack, Random rng) {
    boolean[] poisoned = new boolean[train.size()];
    if (attack.kind() == AttackKind.NONE) {
      return PoisonedSet.clean(train);
    }
    checkFeasible(train.labels(), train.numClasses(), attack);
    boolean cleanLabel = attack.kind().cleanLabel();
    int[] candidates = candidates(train, attack);
    int count = poisonCount(attack, train.size());
    choosePrefix(candidates, count, rng);
    byte[] pixels = train.pixels().clone();
    int[] labels = train.labels().clone();
    if (attack.kind() == AttackKind.CL) {
      // Made hard to classify first, so the model leans on the patch stamped over the perturbation.
      AdversarialPerturbation.apply(
          train, Arrays.copyOf(candidates, count), attack.cl(), pixels, rng.nextLong());
    }
    Trigger trigger =
        attack.kind() == AttackKind.DYNAMIC
            ? DynamicAttackTraining.train(train, attack, rng.nextLong())
            : Trigger.of(attack);
    if (trigger instanceof DynamicTrigger dynamic) {
      int[] chosen = Arrays.copyOf(candidates, count);
      dynamic.apply(train, chosen, chosen, pixels, offsets(chosen, train));
    }
    for (int i = 0; i < count; i++) {
      int index = candidates[i];
      if (!(trigger instanceof DynamicTrigger)) {
        trigger.apply(pixels, index * train.imageBytes(), train);
      }
      if (!cleanLabel) {
        labels[index] = attack.poisonedLabel(labels[index], train.numClasses());
      }
      poisoned[index] = true;
    }
    boolean[] noiseMode = new boolean[train.size()];
    if (trigger instanceof WaNetTrigger wanet) {
      warpNoiseMode(train, attack, wanet, pixels, poisoned, noiseMode, rng);
    }
    if (trigger instanceof DynamicTrigger dynamic) {
      crossMode(train, attack, dynamic, pixels, poisoned, noiseMode, rng);
    }
    return new PoisonedSet(
        new ImageSet(pixels, labels, train.channels(), train.height(), train.width(), train.numClasses()),
        poisoned,
        noiseMode,
        Optional.of(trigger));
  }

  /**
   * The attack's test set: every test image whose true class is not the target (all-to-all: every test
   * image), triggered and labelled as the attack labels its poisons, so its accuracy is the attack success
   * rate. Empty for NONE.
   */
  public static ImageSet triggeredTest(ImageSet test, AttackConfig attack) {
    if (attack.kind() == AttackKind.DYNAMIC) {
      throw new IllegalArgumentException(
          "attack.kind DYNAMIC has no fixed trigger: its generators are trained when a session poisons its"
              + " training set, so only that session's own evaluation can trigger test images with them");
    }
    return triggeredTest(
        test, attack, attack.kind() == AttackKind.NONE ? Optional.empty() : Optional.of(Trigger.of(attack)));
  }

  /**
   * {@link #triggeredTest(ImageSet, AttackConfig)} with the trigger {@code train}'s poisons carry: the
   * only one there is for the dynamic attack, whose every test image gets the trigger generated from it.
   */
  public static ImageSet triggeredTest(ImageSet test, AttackConfig attack, PoisonedSet train) {
    return triggeredTest(test, attack, train.trigger());
  }

  private static ImageSet triggeredTest(ImageSet test, AttackConfig attack, Optional<Trigger> trigger) {
    int[] keep = trigger.isEmpty() ? new int[0] : triggeredIndices(test, attack);
    if (keep.length > 0) {
      checkTarget(test, attack);
    }
    int bytes = test.imageBytes();
    byte[] pixels = new byte[keep.length * bytes];
    int[] labels = new int[keep.length];
    for (int i = 0; i < keep.length; i++) {
      System.arraycopy(test.pixels(), keep[i] * bytes, pixels, i * bytes, bytes);
      labels[i] = attack.poisonedLabel(test.labels()[keep[i]], test.numClasses());
    }
    if (trigger.isPresent() && trigger.get() instanceof DynamicTrigger dynamic) {
      int[] at = new int[keep.length];
      Arrays.setAll(at, i -> i * bytes);
      dynamic.apply(test, keep, keep, pixels, at);
    } else {
      for (int i = 0; i < keep.length; i++) {
        trigger.get().apply(pixels, i * bytes, test);
      }
    }
    return new ImageSet(pixels, labels, test.channels(), test.height(), test.width(), test.numClasses());
  }

  /**
   * Checks that {@link #poisonTrain} can poison a training set of these {@code labels} with {@code attack}:
   * the target is one of its classes, enough samples lie outside the target class (inside it for a
   * clean-label attack), and WaNet's noise-mode share fits in what is left. IllegalArgumentException names
   * the field, what it asks for and what the set has. Run at CreateSession, so a config that can only fail
   * is refused instead of failing once its turn in the queue comes.
   */
  public static void checkFeasible(int[] labels, int numClasses, AttackConfig attack) {
    if (attack.kind() == AttackKind.NONE) {
      return;
    }
    int target = attack.targetLabel();
    if (target >= numClasses) {
      throw new IllegalArgumentException(
          "attack.target_label must be in [0, " + numClasses + "), got " + target);
    }
    boolean cleanLabel = attack.kind().cleanLabel();
    boolean allToAll = attack.labelMode() == LabelMode.ALL_TO_ALL;
    int inTarget = 0;
    for (int label : labels) {
      inTarget += label == target ? 1 : 0;
    }
    int candidates = allToAll ? labels.length : cleanLabel ? inTarget : labels.length - inTarget;
    int count = poisonCount(attack, labels.length);
    if (count > candidates) {
      throw new IllegalArgumentException(
          "attack.poison_rate " + attack.poisonRate() + " asks for " + count + " poisoned samples but only "
              + candidates + (cleanLabel
                  ? " are in the target class " + target + ", the only ones " + attack.kind()
                      + " poisons (clean label)"
                  : " are outside the target class"));
    }
    int noise = noiseCount(attack, labels.length);
    if (noise > labels.length - count) {
      boolean wanet = attack.kind() == AttackKind.WANET;
      throw new IllegalArgumentException(
          (wanet ? "attack.wanet_cross_ratio " + attack.wanetCrossRatio()
                  : "attack.dynamic_cross_ratio " + attack.dynamic().crossRatio())
              + " asks for " + noise + (wanet ? " noise-mode" : " cross-mode") + " samples but only "
              + (labels.length - count) + " samples are left after poisoning");
    }
  }

  private static int poisonCount(AttackConfig attack, int size) {
    return (int) Math.round(attack.poisonRate() * size);
  }

  /** WaNet's noise-mode or Dynamic's cross-mode samples; none for other attacks. */
  private static int noiseCount(AttackConfig attack, int size) {
    double ratio =
        switch (attack.kind()) {
          case WANET -> attack.wanetCrossRatio();
          case DYNAMIC -> attack.dynamic().crossRatio();
          default -> 0;
        };
    return (int) Math.round(ratio * attack.poisonRate() * size);
  }

  /** Gives samples left after poisoning the trigger of another training image, labels kept. */
  private static void crossMode(
      ImageSet train, AttackConfig attack, DynamicTrigger dynamic, byte[] pixels, boolean[] poisoned,
      boolean[] noiseMode, Random rng) {
    int[] rest = unpoisoned(poisoned);
    int count = noiseCount(attack, train.size());
    choosePrefix(rest, count, rng);
    int[] chosen = Arrays.copyOf(rest, count);
    int[] donors = new int[count];
    for (int i = 0; i < count; i++) {
      // Another image than the sample itself, so its trigger is not its own.
      donors[i] = (chosen[i] + 1 + rng.nextInt(train.size() - 1)) % train.size();
      noiseMode[chosen[i]] = true;
    }
    dynamic.apply(train, chosen, donors, pixels, offsets(chosen, train));
  }

  private static int[] offsets(int[] indices, ImageSet set) {
    int[] offsets = new int[indices.length];
    Arrays.setAll(offsets, i -> indices[i] * set.imageBytes());
    return offsets;
  }

  private static int[] unpoisoned(boolean[] poisoned) {
    int[] rest = new int[poisoned.length];
    int n = 0;
    for (int i = 0; i < poisoned.length; i++) {
      if (!poisoned[i]) {
        rest[n++] = i;
      }
    }
    return Arrays.copyOf(rest, n);
  }

  private static void warpNoiseMode(
      ImageSet train, AttackConfig attack, WaNetTrigger wanet, byte[] pixels, boolean[] poisoned,
      boolean[] noiseMode, Random rng) {
    int count = noiseCount(attack, train.size());
    int[] rest = unpoisoned(poisoned);
    choosePrefix(rest, count, rng);
    for (int i = 0; i < count; i++) {
      wanet.applyNoisy(pixels, rest[i] * train.imageBytes(), train, rng);
      noiseMode[rest[i]] = true;
    }
  }

  /** Partial Fisher-Yates: the first {@code count} entries become a uniform sample without replacement. */
  private static void choosePrefix(int[] indices, int count, Random rng) {
    for (int i = 0; i < count; i++) {
      int j = i + rng.nextInt(indices.length - i);
      int t = indices[i];
      indices[i] = indices[j];
      indices[j] = t;
    }
  }

  private static void checkTarget(ImageSet set, AttackConfig attack) {
    if (attack.targetLabel() >= set.numClasses()) {
      throw new IllegalArgumentException(
          "attack.target_label must be in [0, " + set.numClasses() + "), got " + attack.targetLabel());
    }
  }

  /**
   * The test images the attack triggers: those outside the target class, or every image all-to-all, where
   * each class has its own target.
   */
  public static int[] triggeredIndices(ImageSet test, AttackConfig attack) {
    return attack.labelMode() == LabelMode.ALL_TO_ALL
        ? indicesWhere(test, -1, false)
        : indicesWhere(test, attack.targetLabel(), false);
  }

  private static int[] candidates(ImageSet train, AttackConfig attack) {
    if (attack.labelMode() == LabelMode.ALL_TO_ALL) {
      return indicesWhere(train, -1, false);
    }
    return indicesWhere(train, attack.targetLabel(), attack.kind().cleanLabel());
  }

  /** Indices of the samples whose label is (or, with {@code inTarget} false, is not) the target. */
  private static int[] indicesWhere(ImageSet set, int target, boolean inTarget) {
    int n = 0;
    for (int label : set.labels()) {
      n += (label == target) == inTarget ? 1 : 0;
    }
    int[] out = new int[n];
    int k = 0;
    for (int i = 0; i < set.size(); i++) {
      if ((set.labels()[i] == target) == inTarget) {
        out[k++] = i;
      }
    }
    return out;
  }
}
