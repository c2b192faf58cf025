package io.ablserve.server.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads binary PPM (Netpbm {@code P6}) images with 8-bit samples, the format of GTSRB: the magic {@code P6},
 * then width, height and maxval as ASCII decimals separated by whitespace or {@code #} comments, one
 * whitespace byte, and the raster of red, green, blue bytes, rows top to bottom. ImageIO has no PPM reader.
 */
final class PpmReader {
  private PpmReader() {}

  static ChwImage read(Path file, DatasetLimits limits) throws IOException {
    return parse(Files.readAllBytes(file), file.toString(), limits);
  }

  /**
   * Parses one PPM held in {@code bytes}, refusing a size over {@code limits}' image side from the header
   * before the raster is converted; {@code source} names it in errors.
   */
  static ChwImage parse(byte[] bytes, String source, DatasetLimits limits) throws DatasetFormatException {
    if (bytes.length < 2 || bytes[0] != 'P' || bytes[1] != '6') {
      String start = new String(bytes, 0, Math.min(2, bytes.length), StandardCharsets.ISO_8859_1);
      throw new DatasetFormatException(
          source + " is not a binary PPM image: it starts with '" + start + "', expected the magic 'P6'"
              + ("P3".equals(start) ? " (ASCII PPM, P3, is not supported)" : ""));
    }
    Cursor at = new Cursor(bytes, source);
    int width = at.headerNumber("width");
    int height = at.headerNumber("height");
    limits.checkImageSide(source, width, height);
    int maxval = at.headerNumber("maxval");
    if (maxval != 255) {
      throw new DatasetFormatException(
          source + " has maxval " + maxval + "; only 8-bit PPM images (maxval 255) are supported");
    }
    // The header ends with exactly one whitespace byte; the raster may start with a byte that looks like one.
    int rasterStart = at.pos + 1;
    long rasterBytes = 3L * width * height;
    long available = Math.max(0, bytes.length - rasterStart);
    if (available < rasterBytes) {
      throw new DatasetFormatException(
          String.format(
              "%s is truncated: its header declares %dx%d pixels, %d raster bytes, but %d follow the header",
              source, width, height, rasterBytes, available));
    }
    return ChwImage.fromInterleaved(3, height, width, bytes, rasterStart);
  }

  private static final class Cursor {
    private final byte[] bytes;
    private final String source;
    private int pos = 2;

    Cursor(byte[] bytes, String source) {
      this.bytes = bytes;
      this.source = source;
    }

    /** Skips whitespace and comments, then reads a positive decimal that whitespace must follow. */
    int headerNumber(String field) throws DatasetFormatException {
      while (pos < bytes.length && (isSpace(bytes[pos]) || bytes[pos] == '#')) {
        if (bytes[pos] == '#') {
          while (pos < bytes.length && bytes[pos] != '\n' && bytes[pos] != '\r') {
            pos++;
          }
        } else {
          pos++;
        }
      }
      long value = 0;
      int digits = 0;
      while (pos < bytes.length && bytes[pos] >= '0' && bytes[pos] <= '9') {
        value = value * 10 + (bytes[pos] - '0');
        pos++;
        if (++digits > 9) {
          throw new DatasetFormatException(source + " has an absurd " + field + " in its PPM header");
        }
      }
      if (pos >= bytes.length) {
        throw new DatasetFormatException(source + " is truncated inside its PPM header, at the " + field);
      }
      if (digits == 0 || value == 0 || !isSpace(bytes[pos])) {
        throw new DatasetFormatException(
            source + " has no valid " + field + " in its PPM header (a positive decimal, then whitespace)");
      }
      return (int) value;
    }

    private static boolean isSpace(byte b) {
      return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0x0b || b == '\f';
    }
  }
}
