package io.ablserve.server.data;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * A training set after poisoning, with the ground truth of which samples carry the backdoor
 * ({@code poisoned}) and which the attack altered but left with their true label ({@code noiseMode}: WaNet's
 * noise-warped samples and Dynamic's cross-mode samples, which carry no backdoor and count as clean for
 * isolation), and the trigger the poisons carry, which the triggered test set must carry too (empty for
 * NONE; for the dynamic attack, the generators trained while poisoning).
 */
public record PoisonedSet(
    ImageSet images, boolean[] poisoned, boolean[] noiseMode, Optional<Trigger> trigger) {

  public PoisonedSet {
    requireNonNull(images, "images");
    requireNonNull(poisoned, "poisoned");
    requireNonNull(noiseMode, "noiseMode");
    requireNonNull(trigger, "trigger");
    if (poisoned.length != images.size() || noiseMode.length != images.size()) {
      throw new IllegalArgumentException(
          poisoned.length + " poison flags and " + noiseMode.length + " noise-mode flags for "
              + images.size() + " samples");
    }
  }

  /** A set nothing poisoned. */
  public static PoisonedSet clean(ImageSet images) {
    return new PoisonedSet(
        images, new boolean[images.size()], new boolean[images.size()], Optional.empty());
  }

  public int poisonedCount() {
    return count(poisoned);
  }

  public int noiseModeCount() {
    return count(noiseMode);
  }

  private static int count(boolean[] flags) {
    int n = 0;
    for (boolean f : flags) {
      n += f ? 1 : 0;
    }
    return n;
  }
}
