package io.ablserve.server.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the binary version of CIFAR-10 ({@code cifar-10-binary.tar.gz}): {@code data_batch_1.bin} to
 * {@code data_batch_5.bin} for training and {@code test_batch.bin} for testing, in the given folder or in
 * its {@code cifar-10-batches-bin/} as the archive extracts. Each batch is a run of 3073-byte records: one
 * label byte (0 to 9), then 1024 red, 1024 green and 1024 blue bytes of a 32x32 image, rows top to bottom.
 * A record is therefore one NCHW sample and its pixels are copied unchanged.
 */
public final class Cifar10Reader {
  static final String NESTED_FOLDER = "cifar-10-batches-bin";
  static final List<String> TRAIN_BATCHES =
      List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
  static final String TEST_BATCH = "test_batch.bin";

  private static final int CLASSES = 10;
  private static final int SIDE = 32;
  private static final int IMAGE_BYTES = 3 * SIDE * SIDE;
  private static final int RECORD_BYTES = 1 + IMAGE_BYTES;

  private Cifar10Reader() {}

  /** Reads all five training batches and the test batch, under {@code limits}; every one must be present. */
  public static DatasetSplit readSplit(Path folder, DatasetLimits limits) throws IOException {
    Path batches = batchFolder(folder);
    List<Path> train = new ArrayList<>();
    for (String name : TRAIN_BATCHES) {
      train.add(existing(batches, name));
    }
    DecodeBudget budget = limits.decodeBudget();
    return new DatasetSplit(read(train, budget), read(List.of(existing(batches, TEST_BATCH)), budget));
  }

  /** The folder that holds the batch files: {@code cifar-10-batches-bin/} inside {@code folder} if present. */
  static Path batchFolder(Path folder) {
    Path nested = folder.resolve(NESTED_FOLDER);
    return Files.isDirectory(nested) ? nested : folder;
  }

  /** Reads batch files into one set, records in file order, claiming its size from {@code budget} first. */
  static ImageSet read(List<Path> batches, DecodeBudget budget) throws IOException {
    long[] records = new long[batches.size()];
    long total = 0;
    for (int i = 0; i < records.length; i++) {
      records[i] = recordCount(batches.get(i));
      total += records[i];
    }
    if (total * IMAGE_BYTES > Integer.MAX_VALUE - 8) {
      throw new DatasetFormatException(
          batches + " hold " + total + " images, more than one array of pixel bytes holds");
    }
    budget.claim(total * RECORD_BYTES, batches + " (" + total + " records)");
    byte[] pixels = new byte[(int) total * IMAGE_BYTES];
    int[] labels = new int[(int) total];
    byte[] record = new byte[RECORD_BYTES];
    int sample = 0;
    for (int i = 0; i < records.length; i++) {
      Path file = batches.get(i);
      try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
        for (long r = 0; r < records[i]; r++, sample++) {
          if (in.readNBytes(record, 0, RECORD_BYTES) != RECORD_BYTES) {
            throw new DatasetFormatException(file + " shrank while it was read, at record " + r);
          }
          int label = record[0] & 0xff;
          if (label >= CLASSES) {
            throw new DatasetFormatException(
                file + " record " + r + " has label " + label + "; CIFAR-10 labels are 0 to 9"
                    + " (CIFAR-100 batches, with two label bytes per record, are not supported)");
          }
          labels[sample] = label;
          System.arraycopy(record, 1, pixels, sample * IMAGE_BYTES, IMAGE_BYTES);
        }
      }
    }
    return new ImageSet(pixels, labels, 3, SIDE, SIDE, CLASSES);
  }

  private static long recordCount(Path file) throws IOException {
    long size = Files.size(file);
    if (size == 0 || size % RECORD_BYTES != 0) {
      throw new DatasetFormatException(
          String.format(
              "%s is %d bytes, not a whole number of %d-byte CIFAR-10 records (1 label byte + %d pixel bytes):"
                  + " %d whole records and %d bytes over; the file is truncated or not a CIFAR-10 binary batch",
              file, size, RECORD_BYTES, IMAGE_BYTES, size / RECORD_BYTES, size % RECORD_BYTES));
    }
    return size / RECORD_BYTES;
  }

  private static Path existing(Path folder, String name) throws DatasetFormatException {
    Path file = folder.resolve(name);
    if (!Files.isRegularFile(file)) {
      throw new DatasetFormatException(
          "no " + name + " in " + folder + "; CIFAR-10 needs " + String.join(", ", TRAIN_BATCHES) + " and "
              + TEST_BATCH);
    }
    return file;
  }
}
