package io.ablserve.server.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Writes small files in the real CIFAR-10 binary format: records of 1 label byte + 3072 CHW pixel bytes. */
public final class CifarFiles {
  public static final int IMAGE_BYTES = 3 * 32 * 32;

  private CifarFiles() {}

  public static void writeBatch(Path file, int[] labels, byte[][] images) throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int i = 0; i < labels.length; i++) {
        out.write(labels[i]);
        out.write(images[i]);
      }
    }
  }

  /**
   * Five training batches and a test batch of {@code perBatch} random images each; sample {@code k} of the
   * training set (batches in order) has label {@code k % 10} and the test set's labels count down from 9.
   * Returns the images written, training set first then test set, for exact comparison.
   */
  public static byte[][] writeDataset(Path folder, int perBatch, long seed) throws IOException {
    Files.createDirectories(folder);
    Random rng = new Random(seed);
    byte[][] all = new byte[6 * perBatch][IMAGE_BYTES];
    for (int b = 0; b < 6; b++) {
      int[] labels = new int[perBatch];
      byte[][] images = new byte[perBatch][];
      for (int i = 0; i < perBatch; i++) {
        int k = b * perBatch + i;
        rng.nextBytes(all[k]);
        images[i] = all[k];
        labels[i] = b < 5 ? k % 10 : 9 - i % 10;
      }
      writeBatch(folder.resolve(b < 5 ? "data_batch_" + (b + 1) + ".bin" : "test_batch.bin"), labels, images);
    }
    return all;
  }
}
