package io.ablserve.server.data;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * The trusted clean subset a baseline defence (fine-tuning, fine-pruning) fine-tunes on, as the v1 API's
 * {@code clean_data} names it: drawn from a dataset's training split, never from the test split used for
 * clean accuracy and attack success rate, and never an image the attack touched. Messages name the v1 API
 * field ({@code clean_data.<field>}).
 *
 * @param dataset the server dataset drawn from; empty for the session's own, the only one served so far
 * @param count the subset's size in images, >= 1; 0 to use {@code fraction}
 * @param fraction the subset's size as a share of the session's training set, in (0, 1]; used when {@code
 *     count} is 0
 */
public record CleanData(String dataset, int count, double fraction) {
  /** The paper's trusted share: 5% of the training set, from the session's own dataset. */
  public static final CleanData DEFAULTS = new CleanData("", 0, 0.05);

  /** The largest count accepted; a count beyond the training split's clean images fails when drawn. */
  public static final int MAX_COUNT = 10_000_000;

  public CleanData {
    requireNonNull(dataset, "dataset");
    if (count < 0 || count > MAX_COUNT) {
      throw new IllegalArgumentException(
          "clean_data.count must be in [1, " + MAX_COUNT + "], got " + count);
    }
    if (count == 0 && !(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("clean_data.fraction must be in (0, 1], got " + fraction);
    }
  }

  /** The subset's size for a session whose training set has {@code trainSize} images: at least 1. */
  public int size(int trainSize) {
    return count > 0 ? count : Math.max(1, (int) Math.round(fraction * trainSize));
  }

  /**
   * Draws {@link #size}({@code trainSize}) images of {@code source}, a training split, skipping those {@code
   * excluded} flags (the images the attack poisoned or altered), uniformly
   * with a generator seeded from {@code seed}: the same session draws the same subset, resumed or not.
   * IllegalArgumentException naming the field when too few images are left.
   */
  public Subset draw(ImageSet source, boolean[] excluded, int trainSize, long seed) {
    int size = size(trainSize);
    int[] candidates =
        IntStream.range(0, source.size()).filter(i -> i >= excluded.length || !excluded[i])
            .toArray();
    if (size > candidates.length) {
      throw new IllegalArgumentException(
          (count > 0 ? "clean_data.count " + count : "clean_data.fraction " + fraction + " (" + size + " images)")
              + " exceeds the " + candidates.length + " training images the attack left untouched");
    }
    Random rng = new Random(seed ^ 0x436C65616EL); // "Clean": a stream apart from poisoning and shuffling
    for (int i = 0; i < size; i++) {
      int j = i + rng.nextInt(candidates.length - i);
      int t = candidates[i];
      candidates[i] = candidates[j];
      candidates[j] = t;
    }
    int[] chosen = Arrays.copyOf(candidates, size);
    Arrays.sort(chosen);
    int bytes = source.imageBytes();
    byte[] pixels = new byte[size * bytes];
    int[] labels = new int[size];
    for (int i = 0; i < size; i++) {
      System.arraycopy(source.pixels(), chosen[i] * bytes, pixels, i * bytes, bytes);
      labels[i] = source.labels()[chosen[i]];
    }
    return new Subset(
        new ImageSet(pixels, labels, source.channels(), source.height(), source.width(), source.numClasses()),
        chosen);
  }

  /**
   * A drawn subset: its images, untouched by the attack, and their indices in the training split they came
   * from (ascending).
   */
  public record Subset(ImageSet images, int[] sourceIndices) {
    public Subset {
      requireNonNull(images, "images");
      requireNonNull(sourceIndices, "sourceIndices");
    }

    /** No clean subset: what a defence that does not fine-tune gets. */
    public static Subset none(ImageSet like) {
      return new Subset(
          new ImageSet(new byte[0], new int[0], like.channels(), like.height(), like.width(), like.numClasses()),
          new int[0]);
    }
  }
}
