package io.ablserve.server.data;

import java.util.Random;

/**
 * The image Blend blends in. The paper blends a Hello Kitty photo or random noise; no photo ships with the
 * server, so it offers the seeded noise and a structured, deterministic checkerboard.
 */
public enum BlendPattern {
  /** Uniform noise: {@code new Random(seed).nextInt(256)} per byte, NCHW order. */
  NOISE,
  /**
   * Black and white square cells of {@code min(height, width) / 8} pixels (at least 1), the same in every
   * channel, the top-left cell black.
   */
  CHECKERBOARD;

  /** The pattern for images shaped like {@code shape}, as unsigned bytes NCHW; {@code seed} for NOISE. */
  byte[] render(ImageSet shape, long seed) {
    byte[] pattern = new byte[shape.imageBytes()];
    if (this == NOISE) {
      Random rng = new Random(seed);
      for (int i = 0; i < pattern.length; i++) {
        pattern[i] = (byte) rng.nextInt(256);
      }
      return pattern;
    }
    int h = shape.height();
    int w = shape.width();
    int cell = Math.max(1, Math.min(h, w) / 8);
    for (int c = 0; c < shape.channels(); c++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          pattern[c * h * w + y * w + x] = (byte) ((y / cell + x / cell) % 2 == 0 ? 0 : 0xff);
        }
      }
    }
    return pattern;
  }
}
