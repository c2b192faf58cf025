package io.ablserve.server.data;

import java.util.Arrays;
import java.util.Random;

/**
 * Random crop with zero padding: the image is padded by {@code padding} zero pixels on every side and an
 * {@code height x width} window is cut at a uniform position, which amounts to shifting the content by up to
 * {@code padding} pixels each way and filling the uncovered border with 0.
 */
public record RandomCrop(int channels, int height, int width, int padding) implements Augmentation {

  public RandomCrop {
    if (channels < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "image shape must be positive, got " + channels + "x" + height + "x" + width);
    }
    if (padding < 0) {
      throw new IllegalArgumentException("crop padding must be >= 0, got " + padding);
    }
  }

  @Override
  public void apply(byte[] pixels, int offset, Random rng) {
    crop(pixels, offset, rng.nextInt(2 * padding + 1), rng.nextInt(2 * padding + 1));
  }

  /**
   * Crops the window whose top-left corner is at ({@code top}, {@code left}) of the padded image, both in
   * [0, 2 * padding]; ({@code padding}, {@code padding}) leaves the image as it is.
   */
  public void crop(byte[] pixels, int offset, int top, int left) {
    if (top < 0 || top > 2 * padding || left < 0 || left > 2 * padding) {
      throw new IllegalArgumentException(
          "crop corner (" + top + ", " + left + ") is outside [0, " + 2 * padding + "]");
    }
    int dy = padding - top;
    int dx = padding - left;
    for (int c = 0; c < channels; c++) {
      int plane = offset + c * height * width;
      // Rows move by dy in place: walk against the shift so no source row is overwritten before it is read.
      if (dy >= 0) {
        for (int y = height - 1; y >= 0; y--) {
          shiftRow(pixels, plane, y, y - dy, dx);
        }
      } else {
        for (int y = 0; y < height; y++) {
          shiftRow(pixels, plane, y, y - dy, dx);
        }
      }
    }
  }

  private void shiftRow(byte[] pixels, int plane, int y, int sourceY, int dx) {
    int row = plane + y * width;
    if (sourceY < 0 || sourceY >= height || Math.abs(dx) >= width) {
      Arrays.fill(pixels, row, row + width, (byte) 0);
      return;
    }
    int source = plane + sourceY * width;
    if (dx >= 0) {
      System.arraycopy(pixels, source, pixels, row + dx, width - dx);
      Arrays.fill(pixels, row, row + dx, (byte) 0);
    } else {
      System.arraycopy(pixels, source - dx, pixels, row, width + dx);
      Arrays.fill(pixels, row + width + dx, row + width, (byte) 0);
    }
  }
}
