package io.ablserve.server.data;

/**
 * One decoded image as unsigned bytes in channel, row, column order, the form {@link ImageSet} stores; the
 * readers of compressed and variable-size formats crop and resize through it before packing a set.
 */
record ChwImage(int channels, int height, int width, byte[] pixels) {

  ChwImage {
    if ((long) channels * height * width != pixels.length) {
      throw new IllegalArgumentException(
          pixels.length + " bytes are not a " + channels + "x" + height + "x" + width + " image");
    }
  }

  /** An image from interleaved (row, column, channel) bytes, as PPM rasters and NumPy arrays hold them. */
  static ChwImage fromInterleaved(int channels, int height, int width, byte[] hwc, int offset) {
    int plane = height * width;
    byte[] chw = new byte[channels * plane];
    for (int p = 0; p < plane; p++) {
      for (int c = 0; c < channels; c++) {
        chw[c * plane + p] = hwc[offset + p * channels + c];
      }
    }
    return new ChwImage(channels, height, width, chw);
  }

  /** The {@code w} x {@code h} region whose top-left pixel is ({@code x}, {@code y}). */
  ChwImage crop(int x, int y, int w, int h) {
    if (x < 0 || y < 0 || w < 1 || h < 1 || x + w > width || y + h > height) {
      throw new IllegalArgumentException(
          "crop " + w + "x" + h + " at (" + x + "," + y + ") leaves the " + width + "x" + height + " image");
    }
    if (x == 0 && y == 0 && w == width && h == height) {
      return this;
    }
    byte[] out = new byte[channels * h * w];
    for (int c = 0; c < channels; c++) {
      for (int row = 0; row < h; row++) {
        System.arraycopy(pixels, (c * height + y + row) * width + x, out, (c * h + row) * w, w);
      }
    }
    return new ChwImage(channels, h, w, out);
  }

  /**
   * Bilinear resize with a triangle filter that widens when shrinking, as PIL's {@code Image.resize(...,
   * BILINEAR)} does, so a large sign shrunk to 32x32 is averaged rather than aliased; pixel centres sit at
   * half-integers (torch's {@code align_corners=False}). The same size returns this image unchanged.
   */
  ChwImage resize(int newHeight, int newWidth) {
    if (newHeight == height && newWidth == width) {
      return this;
    }
    Taps cols = Taps.of(width, newWidth);
    Taps rows = Taps.of(height, newHeight);
    byte[] out = new byte[channels * newHeight * newWidth];
    double[] horizontal = new double[height * newWidth];
    for (int c = 0; c < channels; c++) {
      int base = c * height * width;
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < newWidth; x++) {
          double sum = 0;
          double[] w = cols.weights[x];
          for (int k = 0; k < w.length; k++) {
            sum += w[k] * (pixels[base + y * width + cols.first[x] + k] & 0xff);
          }
          horizontal[y * newWidth + x] = sum;
        }
      }
      for (int y = 0; y < newHeight; y++) {
        double[] w = rows.weights[y];
        for (int x = 0; x < newWidth; x++) {
          double sum = 0;
          for (int k = 0; k < w.length; k++) {
            sum += w[k] * horizontal[(rows.first[y] + k) * newWidth + x];
          }
          out[(c * newHeight + y) * newWidth + x] = (byte) Math.min(255, Math.max(0, Math.round(sum)));
        }
      }
    }
    return new ChwImage(channels, newHeight, newWidth, out);
  }

  /** This image with {@code target} channels: a grey image is repeated into red, green and blue. */
  ChwImage withChannels(int target) {
    if (target == channels) {
      return this;
    }
    if (channels != 1) {
      throw new IllegalArgumentException("cannot turn a " + channels + "-channel image into " + target);
    }
    byte[] out = new byte[target * pixels.length];
    for (int c = 0; c < target; c++) {
      System.arraycopy(pixels, 0, out, c * pixels.length, pixels.length);
    }
    return new ChwImage(target, height, width, out);
  }

  /** For each output index, the first input index it reads and the normalised weights from there on. */
  private record Taps(int[] first, double[][] weights) {
    static Taps of(int in, int out) {
      double scale = (double) in / out;
      double filterScale = Math.max(scale, 1.0);
      double support = filterScale; // the triangle's radius is 1 input pixel, widened when shrinking
      int[] first = new int[out];
      double[][] weights = new double[out][];
      for (int i = 0; i < out; i++) {
        double centre = (i + 0.5) * scale;
        int lo = Math.max(0, (int) Math.floor(centre - support + 0.5));
        int hi = Math.min(in, (int) Math.floor(centre + support + 0.5));
        double[] w = new double[hi - lo]; // never empty: lo <= centre < hi
        double total = 0;
        for (int k = 0; k < hi - lo; k++) {
          double d = Math.abs((lo + k + 0.5 - centre) / filterScale);
          w[k] = d < 1 ? 1 - d : 0;
          total += w[k];
        }
        for (int k = 0; k < w.length; k++) {
          w[k] /= total;
        }
        first[i] = lo;
        weights[i] = w;
      }
      return new Taps(first, weights);
    }
  }
}
