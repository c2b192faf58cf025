package io.ablserve.server.data;

import static java.util.Objects.requireNonNull;

/**
 * A training set after poisoning, with the ground truth of which samples carry the backdoor
 * ({@code poisoned}) and which the attack altered but left with their true label ({@code noiseMode}: WaNet's
 * noise-warped samples, which carry no backdoor and count as clean for isolation).
 */
public record PoisonedSet(ImageSet images, boolean[] poisoned, boolean[] noiseMode) {

  public PoisonedSet {
    requireNonNull(images, "images");
    requireNonNull(poisoned, "poisoned");
    requireNonNull(noiseMode, "noiseMode");
    if (poisoned.length != images.size() || noiseMode.length != images.size()) {
      throw new IllegalArgumentException(
          poisoned.length + " poison flags and " + noiseMode.length + " noise-mode flags for "
              + images.size() + " samples");
    }
  }

  /** A poisoned set without noise-mode samples. */
  public PoisonedSet(ImageSet images, boolean[] poisoned) {
    this(images, poisoned, new boolean[poisoned.length]);
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
