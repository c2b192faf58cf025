package io.ablserve.server.data;

import java.util.Arrays;
import java.util.Optional;
import java.util.Random;

/**
 * Poisoning of a training set and the matching triggered test set, the one algorithm every {@link Attack}
 * plugs into. All-to-one dirty-label attacks trigger a share of the training samples whose class is not the
 * target and relabel them to the target; all-to-all, they trigger samples of every class and relabel class
 * {@code y} to {@code (y + 1) mod classes}. Clean-label attacks ({@link AttackKind#cleanLabel}: SIG, CL)
 * trigger samples of the target class and keep every label. An attack may also alter an extra share of
 * samples and keep their labels ({@link Attack#noiseRatio}: WaNet's noise mode, Dynamic's cross mode). The
 * test side triggers every test image whose true class is not the target (all-to-all: every test image),
 * labelled as a poison would be. The methods without an {@link Attack} use the server's own for the
 * config's kind ({@link AttackKind#standardAttack}).
 */
public final class Poisoning {
  private Poisoning() {}

  /** {@link #poisonTrain(ImageSet, Attack, AttackConfig, Random)} with the server's own attack. */
  public static PoisonedSet poisonTrain(ImageSet train, AttackConfig config, Random rng) {
    return poisonTrain(train, config.kind().standardAttack(), config, rng);
  }

  /**
   * Poisons {@code round(poisonRate * size)} training samples chosen uniformly (seeded) among the
   * candidates: samples outside the target class, inside it for a clean-label attack, any sample
   * all-to-all. {@code attack} gives the trigger once they are chosen ({@link Attack#trainTrigger}: the
   * label-consistent attack perturbs them first, the dynamic attack trains its generators on {@code train},
   * seconds to minutes on the CPU). Then {@code round(attack.noiseRatio * poisonRate * size)} further
   * samples chosen among the rest are altered by {@link Attack#applyNoiseMode} and keep their labels. The
   * input is not modified.
   */
  public static PoisonedSet poisonTrain(
      ImageSet train, Attack attack, AttackConfig config, Random rng) {
    if (!attack.poisons()) {
      return PoisonedSet.clean(train);
    }
    checkFeasible(train.labels(), train.numClasses(), attack, config);
    int[] candidates = candidates(train, config);
    int count = poisonCount(config, train.size());
    choosePrefix(candidates, count, rng);
    int[] chosen = Arrays.copyOf(candidates, count);
    byte[] pixels = train.pixels().clone();
    int[] labels = train.labels().clone();
    Trigger trigger = attack.trainTrigger(train, chosen, config, pixels, rng);
    trigger.apply(train, chosen, pixels, offsets(chosen, train));
    boolean[] poisoned = new boolean[train.size()];
    for (int index : chosen) {
      if (!config.kind().cleanLabel()) {
        labels[index] = config.poisonedLabel(labels[index], train.numClasses());
      }
      poisoned[index] = true;
    }
    boolean[] noiseMode = new boolean[train.size()];
    int noise = noiseCount(attack, config, train.size());
    if (noise > 0) {
      int[] rest = unpoisoned(poisoned);
      choosePrefix(rest, noise, rng);
      int[] altered = Arrays.copyOf(rest, noise);
      for (int index : altered) {
        noiseMode[index] = true;
      }
      attack.applyNoiseMode(train, trigger, altered, config, pixels, rng);
    }
    return new PoisonedSet(
        new ImageSet(pixels, labels, train.channels(), train.height(), train.width(), train.numClasses()),
        poisoned,
        noiseMode,
        Optional.of(trigger));
  }

  /** {@link #triggeredTest(ImageSet, Attack, AttackConfig)} with the server's own attack. */
  public static ImageSet triggeredTest(ImageSet test, AttackConfig config) {
    return triggeredTest(test, config.kind().standardAttack(), config);
  }

  /**
   * The attack's test set: every test image whose true class is not the target (all-to-all: every test
   * image), triggered with the attack's fixed trigger and labelled as the attack labels its poisons, so its
   * accuracy is the attack success rate. Empty for an attack that poisons nothing; IllegalArgumentException
   * for one whose trigger is learned while poisoning ({@link Attack#fixedTrigger}).
   */
  public static ImageSet triggeredTest(ImageSet test, Attack attack, AttackConfig config) {
    return triggeredTest(
        test, config, attack.poisons() ? Optional.of(attack.trigger(config)) : Optional.empty());
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
    int[] at = new int[keep.length];
    for (int i = 0; i < keep.length; i++) {
      System.arraycopy(test.pixels(), keep[i] * bytes, pixels, i * bytes, bytes);
      labels[i] = attack.poisonedLabel(test.labels()[keep[i]], test.numClasses());
      at[i] = i * bytes;
    }
    trigger.ifPresent(t -> t.apply(test, keep, pixels, at));
    return new ImageSet(pixels, labels, test.channels(), test.height(), test.width(), test.numClasses());
  }

  /** {@link #checkFeasible(int[], int, Attack, AttackConfig)} with the server's own attack. */
  public static void checkFeasible(int[] labels, int numClasses, AttackConfig config) {
    checkFeasible(labels, numClasses, config.kind().standardAttack(), config);
  }

  /**
   * Checks that {@link #poisonTrain} can poison a training set of these {@code labels} with {@code attack}:
   * the target is one of its classes, enough samples lie outside the target class (inside it for a
   * clean-label attack), and the attack's noise-mode share fits in what is left
   * ({@link Attack#checkNoiseFits}). IllegalArgumentException names the field, what it asks for and what
   * the set has. Run at CreateSession, so a config that can only fail is refused instead of failing once
   * its turn in the queue comes.
   */
  public static void checkFeasible(int[] labels, int numClasses, Attack attack, AttackConfig config) {
    if (!attack.poisons()) {
      return;
    }
    int target = config.targetLabel();
    if (target >= numClasses) {
      throw new IllegalArgumentException(
          "attack.target_label must be in [0, " + numClasses + "), got " + target);
    }
    boolean cleanLabel = config.kind().cleanLabel();
    boolean allToAll = config.labelMode() == LabelMode.ALL_TO_ALL;
    int inTarget = 0;
    for (int label : labels) {
      inTarget += label == target ? 1 : 0;
    }
    int candidates = allToAll ? labels.length : cleanLabel ? inTarget : labels.length - inTarget;
    int count = poisonCount(config, labels.length);
    if (count > candidates) {
      throw new IllegalArgumentException(
          "attack.poison_rate " + config.poisonRate() + " asks for " + count + " poisoned samples but only "
              + candidates + (cleanLabel
                  ? " are in the target class " + target + ", the only ones " + config.kind()
                      + " poisons (clean label)"
                  : " are outside the target class"));
    }
    attack.checkNoiseFits(noiseCount(attack, config, labels.length), labels.length - count, config);
  }

  private static int poisonCount(AttackConfig config, int size) {
    return (int) Math.round(config.poisonRate() * size);
  }

  private static int noiseCount(Attack attack, AttackConfig config, int size) {
    return (int) Math.round(attack.noiseRatio(config) * config.poisonRate() * size);
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
