package io.ablserve.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes a CIFAR-10 binary dataset of random images (records of 1 label byte + 3072 CHW pixel bytes,
 * five training batches and a test batch) for speed runs: kernels cost the same on random pixels, and
 * both the server's reader and the PyTorch reference read these very files.
 */
final class SyntheticCifar {
  static final int RECORD_BYTES = 1 + 3 * 32 * 32;

  private SyntheticCifar() {}

  /**
   * Makes sure {@code folder} holds {@code train} training and {@code test} test records (sample k has label
   * k % 10), writing them when missing or of another size. Returns {@code folder}.
   */
  static Path ensure(Path folder, int train, int test, long seed) throws IOException {
    int perBatch = (train + 4) / 5;
    Path marker = folder.resolve("synthetic-" + perBatch + "x5-" + test + ".ok");
    if (Files.exists(marker)) {
      return folder;
    }
    Files.createDirectories(folder);
    Random rng = new Random(seed);
    byte[] record = new byte[RECORD_BYTES];
    for (int b = 0; b < 6; b++) {
      int n = b < 5 ? perBatch : test;
      Path file = folder.resolve(b < 5 ? "data_batch_" + (b + 1) + ".bin" : "test_batch.bin");
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
        for (int i = 0; i < n; i++) {
          rng.nextBytes(record);
          record[0] = (byte) ((b * perBatch + i) % 10);
          out.write(record);
        }
      }
    }
    try (var old = Files.list(folder)) {
      for (Path p : (Iterable<Path>) old::iterator) {
        if (p.getFileName().toString().endsWith(".ok")) {
          Files.delete(p);
        }
      }
    }
    Files.createFile(marker);
    return folder;
  }
}
