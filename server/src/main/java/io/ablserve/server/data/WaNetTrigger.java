package io.ablserve.server.data;

import java.util.Arrays;
import java.util.Random;

/**
 * WaNet (Nguyen & Tran 2021): a fixed, smooth, nearly invisible warp. A k x k grid of (x, y) offsets, uniform
 * in [-1, 1] from {@code new Random(FIELD_SEED)} and divided by their mean absolute value, is upsampled
 * bicubically (align-corners, a = -0.75 as PyTorch) to the image size; the sampling grid is
 * {@code identity + strength * field / size} in [-1, 1] coordinates (x offsets over the width, y offsets
 * over the height), clamped to [-1, 1], and each output pixel is read from the source by bilinear
 * interpolation, rounded half up. Noise mode ({@link #applyNoisy}) adds per-pixel uniform noise in
 * [-1, 1] / size to the grid; the attack trains those samples with their true labels so the model learns the
 * exact warp rather than any warp.
 */
public final class WaNetTrigger implements Trigger {
  /** Seed of the control grid: {@code 2 * k * k} draws of {@code nextDouble()}, x offsets then y. */
  public static final long FIELD_SEED = 0x57614E6574L;

  private static final double CUBIC_A = -0.75;

  private final int gridSize;
  private final double strength;
  private volatile Warp cached;

  public WaNetTrigger(int gridSize, double strength) {
    if (gridSize < 2) {
      throw new IllegalArgumentException("attack.wanet_grid_size must be >= 2, got " + gridSize);
    }
    if (!(strength >= 0)) {
      throw new IllegalArgumentException("attack.wanet_strength must be >= 0, got " + strength);
    }
    this.gridSize = gridSize;
    this.strength = strength;
  }

  @Override
  public void apply(byte[] pixels, int offset, ImageSet shape) {
    Warp warp = warpFor(shape);
    sample(pixels, offset, shape, warp.sourceX(), warp.sourceY());
  }

  /** Warps with the fixed grid plus fresh per-pixel noise from {@code rng} (the noise mode). */
  public void applyNoisy(byte[] pixels, int offset, ImageSet shape, Random rng) {
    Warp warp = warpFor(shape);
    int h = shape.height();
    int w = shape.width();
    double[] sx = new double[h * w];
    double[] sy = new double[h * w];
    // Noise of [-1, 1] / size in grid units is (size - 1) / (2 size) pixels at most.
    double scaleX = (w - 1) / (2.0 * w);
    double scaleY = (h - 1) / (2.0 * h);
    for (int i = 0; i < sx.length; i++) {
      sx[i] = clamp(warp.sourceX()[i] + (rng.nextDouble() * 2 - 1) * scaleX, w - 1);
      sy[i] = clamp(warp.sourceY()[i] + (rng.nextDouble() * 2 - 1) * scaleY, h - 1);
    }
    sample(pixels, offset, shape, sx, sy);
  }

  /** Source coordinates in pixels of each output pixel (row-major), before any noise. */
  Warp warpFor(ImageSet shape) {
    Warp warp = cached;
    if (warp == null || warp.height() != shape.height() || warp.width() != shape.width()) {
      warp = buildWarp(shape.height(), shape.width());
      cached = warp;
    }
    return warp;
  }

  private Warp buildWarp(int h, int w) {
    int k = gridSize;
    Random rng = new Random(FIELD_SEED);
    double[] control = new double[2 * k * k];
    double meanAbs = 0;
    for (int i = 0; i < control.length; i++) {
      control[i] = rng.nextDouble() * 2 - 1;
      meanAbs += Math.abs(control[i]);
    }
    meanAbs /= control.length;
    for (int i = 0; i < control.length; i++) {
      control[i] /= meanAbs;
    }
    double[] fieldX = upsampleBicubic(Arrays.copyOfRange(control, 0, k * k), k, h, w);
    double[] fieldY = upsampleBicubic(Arrays.copyOfRange(control, k * k, 2 * k * k), k, h, w);
    // In pixels, grid offset g maps to g * (size - 1) / 2, so strength * field / size becomes this.
    double pxPerFieldX = strength * (w - 1) / (2.0 * w);
    double pxPerFieldY = strength * (h - 1) / (2.0 * h);
    double[] sx = new double[h * w];
    double[] sy = new double[h * w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        sx[i] = clamp(x + pxPerFieldX * fieldX[i], w - 1);
        sy[i] = clamp(y + pxPerFieldY * fieldY[i], h - 1);
      }
    }
    return new Warp(h, w, sx, sy);
  }

  private static double clamp(double v, int max) {
    return Math.max(0, Math.min(max, v));
  }

  /** Bilinear sampling of every channel at the source coordinates, zero outside the image. */
  private static void sample(byte[] pixels, int offset, ImageSet shape, double[] sx, double[] sy) {
    int h = shape.height();
    int w = shape.width();
    byte[] src = Arrays.copyOfRange(pixels, offset, offset + shape.imageBytes());
    for (int c = 0; c < shape.channels(); c++) {
      int plane = c * h * w;
      for (int i = 0; i < h * w; i++) {
        int x0 = (int) Math.floor(sx[i]);
        int y0 = (int) Math.floor(sy[i]);
        double fx = sx[i] - x0;
        double fy = sy[i] - y0;
        double v =
            (1 - fy) * ((1 - fx) * tap(src, plane, h, w, y0, x0) + fx * tap(src, plane, h, w, y0, x0 + 1))
                + fy * ((1 - fx) * tap(src, plane, h, w, y0 + 1, x0)
                    + fx * tap(src, plane, h, w, y0 + 1, x0 + 1));
        pixels[offset + plane + i] = (byte) Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }

  private static int tap(byte[] src, int plane, int h, int w, int y, int x) {
    return y < 0 || y >= h || x < 0 || x >= w ? 0 : src[plane + y * w + x] & 0xff;
  }

  /** Resizes a k x k grid to h x w with align-corners bicubic interpolation, edges replicated. */
  private static double[] upsampleBicubic(double[] grid, int k, int h, int w) {
    double[] out = new double[h * w];
    double[] wy = new double[4];
    double[] wx = new double[4];
    for (int y = 0; y < h; y++) {
      double srcY = h == 1 ? 0 : y * (k - 1) / (double) (h - 1);
      int y0 = Math.min((int) Math.floor(srcY), k - 1);
      cubicWeights(srcY - y0, wy);
      for (int x = 0; x < w; x++) {
        double srcX = w == 1 ? 0 : x * (k - 1) / (double) (w - 1);
        int x0 = Math.min((int) Math.floor(srcX), k - 1);
        cubicWeights(srcX - x0, wx);
        double v = 0;
        for (int m = 0; m < 4; m++) {
          int gy = Math.max(0, Math.min(k - 1, y0 - 1 + m));
          for (int n = 0; n < 4; n++) {
            int gx = Math.max(0, Math.min(k - 1, x0 - 1 + n));
            v += wy[m] * wx[n] * grid[gy * k + gx];
          }
        }
        out[y * w + x] = v;
      }
    }
    return out;
  }

  /** Keys' cubic convolution weights of the taps at -1, 0, 1, 2 for fraction t (PyTorch's a = -0.75). */
  private static void cubicWeights(double t, double[] weights) {
    double a = CUBIC_A;
    double t1 = t + 1;
    double u = 1 - t;
    double u1 = 2 - t;
    weights[0] = ((a * t1 - 5 * a) * t1 + 8 * a) * t1 - 4 * a;
    weights[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
    weights[2] = ((a + 2) * u - (a + 3)) * u * u + 1;
    weights[3] = ((a * u1 - 5 * a) * u1 + 8 * a) * u1 - 4 * a;
  }

  record Warp(int height, int width, double[] sourceX, double[] sourceY) {}
}
