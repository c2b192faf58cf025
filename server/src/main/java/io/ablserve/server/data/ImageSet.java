package io.ablserve.server.data;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;

/**
 * Labelled images in memory as unsigned bytes, sample-major then channel, row, column (NCHW), which is
 * what every supported on-disk format stores and a quarter of the float size.
 */
public record ImageSet(byte[] pixels, int[] labels, int channels, int height, int width, int numClasses) {

  public ImageSet {
    requireNonNull(pixels, "pixels");
    requireNonNull(labels, "labels");
    if (channels < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "image shape must be positive, got " + channels + "x" + height + "x" + width);
    }
    if ((long) labels.length * channels * height * width != pixels.length) {
      throw new IllegalArgumentException(
          labels.length + " labels do not match " + pixels.length + " pixel bytes of "
              + channels + "x" + height + "x" + width + " images");
    }
    if (numClasses < 2) {
      throw new IllegalArgumentException("numClasses must be >= 2, got " + numClasses);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new IllegalArgumentException(
            "label " + labels[i] + " of sample " + i + " is outside [0, " + numClasses + ")");
      }
    }
  }

  public int size() {
    return labels.length;
  }

  public int imageBytes() {
    return channels * height * width;
  }

  /** The first {@code n} samples (all of them when {@code n <= 0} or {@code n >= size()}). */
  public ImageSet head(int n) {
    if (n <= 0 || n >= size()) {
      return this;
    }
    return new ImageSet(
        Arrays.copyOf(pixels, n * imageBytes()), Arrays.copyOf(labels, n), channels, height, width,
        numClasses);
  }
}
