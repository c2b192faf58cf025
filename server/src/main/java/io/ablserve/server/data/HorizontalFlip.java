package io.ablserve.server.data;

import java.util.Random;

/** Mirrors the image left to right with probability 1/2. */
public record HorizontalFlip(int channels, int height, int width) implements Augmentation {

  public HorizontalFlip {
    if (channels < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "image shape must be positive, got " + channels + "x" + height + "x" + width);
    }
  }

  @Override
  public void apply(byte[] pixels, int offset, Random rng) {
    if (rng.nextBoolean()) {
      flip(pixels, offset);
    }
  }

  /** Mirrors every row of every channel. */
  public void flip(byte[] pixels, int offset) {
    for (int r = 0; r < channels * height; r++) {
      int left = offset + r * width;
      int right = left + width - 1;
      while (left < right) {
        byte t = pixels[left];
        pixels[left++] = pixels[right];
        pixels[right--] = t;
      }
    }
  }
}
