package io.ablserve.server.data;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small files in the real IDX format, for loader and server tests. */
public final class IdxFiles {
  private IdxFiles() {}

  public static void writeImages(Path file, byte[][] images, int rows, int cols) throws IOException {
    try (DataOutputStream out = open(file)) {
      out.writeInt(0x00000803);
      out.writeInt(images.length);
      out.writeInt(rows);
      out.writeInt(cols);
      for (byte[] image : images) {
        out.write(image);
      }
    }
  }

  public static void writeLabels(Path file, int[] labels) throws IOException {
    try (DataOutputStream out = open(file)) {
      out.writeInt(0x00000801);
      out.writeInt(labels.length);
      for (int label : labels) {
        out.writeByte(label);
      }
    }
  }

  /** A train/t10k folder of {@code n} random 28x28 images per split, gzipped like the Debian package. */
  public static Path writeSplit(Path folder, int n, long seed) throws IOException {
    Files.createDirectories(folder);
    java.util.Random rng = new java.util.Random(seed);
    for (String split : new String[] {"train", "t10k"}) {
      byte[][] images = new byte[n][28 * 28];
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        rng.nextBytes(images[i]);
        labels[i] = i % 10;
      }
      writeImages(folder.resolve(split + "-images-idx3-ubyte.gz"), images, 28, 28);
      writeLabels(folder.resolve(split + "-labels-idx1-ubyte.gz"), labels);
    }
    return folder;
  }

  private static DataOutputStream open(Path file) throws IOException {
    OutputStream raw = Files.newOutputStream(file);
    if (file.toString().endsWith(".gz")) {
      raw = new GZIPOutputStream(raw);
    }
    return new DataOutputStream(raw);
  }
}
