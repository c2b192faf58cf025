package io.ablserve.server.data;

import static java.util.Objects.requireNonNull;

/** A training set after poisoning, with the ground truth of which samples the attack changed. */
public record PoisonedSet(ImageSet images, boolean[] poisoned) {

  public PoisonedSet {
    requireNonNull(images, "images");
    requireNonNull(poisoned, "poisoned");
    if (poisoned.length != images.size()) {
      throw new IllegalArgumentException(
          poisoned.length + " poison flags for " + images.size() + " samples");
    }
  }

  public int poisonedCount() {
    int n = 0;
    for (boolean p : poisoned) {
      n += p ? 1 : 0;
    }
    return n;
  }
}
