package io.ablserve.server.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST (big-endian magic {@code 0x0000_08_dd}, dd = dimension
 * count, then the dimensions, then unsigned bytes), plain or gzipped.
 */
public final class IdxReader {
  private static final int UBYTE = 0x08;

  private IdxReader() {}

  /** Reads {@code train-*} and {@code t10k-*} image and label files from one folder, under {@code limits}. */
  public static DatasetSplit readSplit(Path folder, DatasetLimits limits) throws IOException {
    DecodeBudget budget = limits.decodeBudget();
    ImageSet train =
        read(find(folder, "train-images-idx3-ubyte"), find(folder, "train-labels-idx1-ubyte"), budget);
    ImageSet test =
        read(find(folder, "t10k-images-idx3-ubyte"), find(folder, "t10k-labels-idx1-ubyte"), budget);
    return new DatasetSplit(train, test);
  }

  /**
   * Reads one image file and its label file; the class count is the largest label + 1 (at least 10). Both
   * headers are read and their sizes claimed from {@code budget} before either file's data is.
   */
  static ImageSet read(Path images, Path labels, DecodeBudget budget) throws IOException {
    try (DataInputStream imageIn = open(images); DataInputStream labelIn = open(labels)) {
      int[] dims = header(imageIn, images, 3);
      int[] labelDims = header(labelIn, labels, 1);
      if (labelDims[0] != dims[0]) {
        throw new DatasetFormatException(
            labels + " holds " + labelDims[0] + " labels but its image file holds " + dims[0] + " images");
      }
      long pixelCount = pixelCount(dims);
      budget.claim(pixelCount, images + " (" + dims[0] + "x" + dims[1] + "x" + dims[2] + " images)");
      budget.claim(dims[0], labels + " (" + dims[0] + " labels)");
      byte[] pixels = body(imageIn, images, pixelCount);
      byte[] raw = body(labelIn, labels, dims[0]);
      int[] y = new int[raw.length];
      int classes = 10;
      for (int i = 0; i < raw.length; i++) {
        y[i] = raw[i] & 0xff;
        classes = Math.max(classes, y[i] + 1);
      }
      return new ImageSet(pixels, y, 1, dims[1], dims[2], classes);
    }
  }

  private static int[] header(DataInputStream in, Path file, int expectedDims) throws IOException {
    try {
      int magic = in.readInt();
      if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xff) != UBYTE || (magic & 0xff) != expectedDims) {
        throw new DatasetFormatException(
            String.format(
                "%s is not an IDX file of unsigned bytes with %d dimensions (magic 0x%08x, expected 0x000008%02x)",
                file, expectedDims, magic, expectedDims));
      }
      int[] dims = new int[expectedDims];
      for (int i = 0; i < expectedDims; i++) {
        dims[i] = in.readInt();
        if (dims[i] <= 0) {
          throw new DatasetFormatException(file + " has a non-positive dimension " + dims[i]);
        }
      }
      return dims;
    } catch (EOFException e) {
      throw new DatasetFormatException(file + " is truncated inside its IDX header");
    }
  }

  /** The product of the dimensions, saturated: three ints can overflow a long and wrap to a small size. */
  private static long pixelCount(int[] dims) {
    try {
      return Math.multiplyExact((long) dims[0] * dims[1], dims[2]);
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * Reads the {@code count} bytes a header declared. The buffer grows with the bytes that actually arrive
   * (plain or inflated), so a short file that claims a large body costs what it holds.
   */
  private static byte[] body(DataInputStream in, Path file, long count) throws IOException {
    if (count > Integer.MAX_VALUE - 8) {
      throw new DatasetFormatException(file + " declares " + count + " bytes, more than one array holds");
    }
    byte[] data = in.readNBytes((int) count);
    if (data.length != count) {
      throw new DatasetFormatException(
          file + " is truncated: its header declares " + count + " bytes of data, the file has " + data.length);
    }
    return data;
  }

  private static Path find(Path folder, String stem) throws IOException {
    for (String candidate : new String[] {stem, stem + ".gz"}) {
      Path p = folder.resolve(candidate);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new DatasetFormatException("no " + stem + "[.gz] in " + folder);
  }

  private static DataInputStream open(Path file) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    if (file.getFileName().toString().endsWith(".gz")) {
      raw = new GZIPInputStream(raw, 1 << 16);
    }
    return new DataInputStream(raw);
  }
}
