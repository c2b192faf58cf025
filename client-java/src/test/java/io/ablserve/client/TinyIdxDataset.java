package io.ablserve.client;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** A dataset folder in the MNIST IDX layout: {@code n} random 28x28 images per split, labels 0-9. */
public final class TinyIdxDataset {
  private TinyIdxDataset() {}

  public static Path write(Path folder, int n, long seed) throws IOException {
    Files.createDirectories(folder);
    Random rng = new Random(seed);
    for (String split : new String[] {"train", "t10k"}) {
      try (DataOutputStream images = open(folder.resolve(split + "-images-idx3-ubyte"));
          DataOutputStream labels = open(folder.resolve(split + "-labels-idx1-ubyte"))) {
        images.writeInt(0x00000803);
        images.writeInt(n);
        images.writeInt(28);
        images.writeInt(28);
        labels.writeInt(0x00000801);
        labels.writeInt(n);
        byte[] image = new byte[28 * 28];
        for (int i = 0; i < n; i++) {
          rng.nextBytes(image);
          images.write(image);
          labels.writeByte(i % 10);
        }
      }
    }
    return folder;
  }

  private static DataOutputStream open(Path file) throws IOException {
    return new DataOutputStream(Files.newOutputStream(file));
  }
}
