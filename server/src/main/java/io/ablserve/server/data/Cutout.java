package io.ablserve.server.data;

import java.util.Arrays;
import java.util.Random;

/**
 * Cutout (DeVries & Taylor 2017): zeroes a {@code size x size} square in every channel, centred on a uniform
 * pixel and clipped at the image border, so holes near the edge are partly outside the image.
 */
public record Cutout(int channels, int height, int width, int size) implements Augmentation {

  public Cutout {
    if (channels < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "image shape must be positive, got " + channels + "x" + height + "x" + width);
    }
    if (size < 1) {
      throw new IllegalArgumentException("cutout size must be >= 1, got " + size);
    }
  }

  @Override
  public void apply(byte[] pixels, int offset, Random rng) {
    cut(pixels, offset, rng.nextInt(height), rng.nextInt(width));
  }

  /** Zeroes the square whose top-left corner is {@code size / 2} up and left of the centre, clipped. */
  public void cut(byte[] pixels, int offset, int centreY, int centreX) {
    if (centreY < 0 || centreY >= height || centreX < 0 || centreX >= width) {
      throw new IllegalArgumentException(
          "cutout centre (" + centreY + ", " + centreX + ") is outside the " + height + "x" + width
              + " image");
    }
    int top = Math.max(0, centreY - size / 2);
    int bottom = Math.min(height, centreY - size / 2 + size);
    int left = Math.max(0, centreX - size / 2);
    int right = Math.min(width, centreX - size / 2 + size);
    for (int c = 0; c < channels; c++) {
      int plane = offset + c * height * width;
      for (int y = top; y < bottom; y++) {
        Arrays.fill(pixels, plane + y * width + left, plane + y * width + right, (byte) 0);
      }
    }
  }
}
