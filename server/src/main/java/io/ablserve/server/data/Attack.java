package io.ablserve.server.data;

import java.util.Random;

/**
 * One backdoor attack: the trigger it stamps and what else it does to a training set. {@link Poisoning} is
 * the one algorithm that chooses the samples, stamps them, relabels them and flags them, and asks the
 * attack for the rest; each {@link AttackKind} has one registered (the server's {@code AttackModule}).
 * Implementations are stateless: the {@link AttackConfig} carries every parameter.
 */
public interface Attack {

  /** Whether the attack poisons anything: false only for the clean baseline. */
  default boolean poisons() {
    return true;
  }

  /**
   * Whether {@link #trigger} is fixed by the config alone; false when the attack learns it while poisoning
   * a training set ({@link PoisonedSet#trigger}) or has none.
   */
  default boolean fixedTrigger() {
    return true;
  }

  /**
   * Checks that the trigger {@code config} asks for fits images of {@code height} x {@code width}: a patch
   * inside the image, a WaNet grid no finer than the pixels, a SIG sinusoid of at most one period per
   * pixel column. IllegalArgumentException names the field and its range for these images. Nothing to
   * check by default.
   */
  default void checkFits(AttackConfig config, int height, int width) {}

  /**
   * The trigger {@code config} fixes. IllegalArgumentException, saying why, for an attack without a
   * {@link #fixedTrigger}.
   */
  Trigger trigger(AttackConfig config);

  /**
   * The trigger the {@code chosen} samples of {@code train} get, before {@link Poisoning} stamps it over
   * {@code pixels} (laid out as {@code train.pixels()}): an attack that alters those samples first, or
   * learns its trigger from {@code train}, does it here, drawing from {@code rng}.
   */
  default Trigger trainTrigger(
      ImageSet train, int[] chosen, AttackConfig config, byte[] pixels, Random rng) {
    return trigger(config);
  }

  /**
   * The samples per poisoned sample that the attack alters but leaves with their true label (WaNet's noise
   * mode, Dynamic's cross mode); none by default.
   */
  default double noiseRatio(AttackConfig config) {
    return 0;
  }

  /**
   * Checks that {@code noise} such samples fit in the {@code left} samples that poisoning leaves;
   * IllegalArgumentException names the ratio's field.
   */
  default void checkNoiseFits(int noise, int left, AttackConfig config) {}

  /**
   * Alters the {@code chosen} noise-mode samples of {@code train} in {@code pixels}, labels kept; {@code
   * trigger} is the one {@link #trainTrigger} gave.
   */
  default void applyNoiseMode(
      ImageSet train, Trigger trigger, int[] chosen, AttackConfig config, byte[] pixels, Random rng) {}
}
