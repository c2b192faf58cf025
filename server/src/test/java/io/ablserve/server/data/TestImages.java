package io.ablserve.server.data;

import java.util.Random;

/** Small synthetic image sets for the data tests. */
final class TestImages {
  private TestImages() {}

  /** {@code n} images of seeded random bytes, labels cycling 0..classes-1. */
  static ImageSet random(int n, int channels, int height, int width, int classes, long seed) {
    Random rng = new Random(seed);
    byte[] pixels = new byte[n * channels * height * width];
    rng.nextBytes(pixels);
    return new ImageSet(pixels, cyclingLabels(n, classes), channels, height, width, classes);
  }

  /** {@code n} images filled with {@code value}, labels cycling 0..classes-1. */
  static ImageSet constant(int n, int channels, int height, int width, int classes, int value) {
    byte[] pixels = new byte[n * channels * height * width];
    java.util.Arrays.fill(pixels, (byte) value);
    return new ImageSet(pixels, cyclingLabels(n, classes), channels, height, width, classes);
  }

  static int[] cyclingLabels(int n, int classes) {
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % classes;
    }
    return labels;
  }

  /** Whether image {@code i} has the same bytes in both sets. */
  static boolean sameImage(ImageSet a, ImageSet b, int i) {
    int bytes = a.imageBytes();
    return java.util.Arrays.equals(
        a.pixels(), i * bytes, (i + 1) * bytes, b.pixels(), i * bytes, (i + 1) * bytes);
  }
}
