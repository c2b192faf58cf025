package io.ablserve.server.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The on-disk dataset layouts the server reads, told apart by the files in a dataset's folder. Detection
 * tries them in declaration order and takes the first whose marker files are present; the reader then
 * checks the rest of the layout and says what is missing.
 */
public enum DatasetFormat {
  IDX("IDX (MNIST layout): train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-...") {
    @Override
    boolean looksLike(Path folder) {
      return Files.isRegularFile(folder.resolve("train-images-idx3-ubyte"))
          || Files.isRegularFile(folder.resolve("train-images-idx3-ubyte.gz"));
    }

    @Override
    public DatasetSplit read(Path folder, DatasetLimits limits) throws IOException {
      return IdxReader.readSplit(folder, limits);
    }
  },
  CIFAR10("CIFAR-10 binary: data_batch_1.bin .. data_batch_5.bin and test_batch.bin, here or in "
      + Cifar10Reader.NESTED_FOLDER + "/") {
    @Override
    boolean looksLike(Path folder) {
      Path batches = Cifar10Reader.batchFolder(folder);
      return Files.isRegularFile(batches.resolve(Cifar10Reader.TRAIN_BATCHES.get(0)))
          || Files.isRegularFile(batches.resolve(Cifar10Reader.TEST_BATCH));
    }

    @Override
    public DatasetSplit read(Path folder, DatasetLimits limits) throws IOException {
      return Cifar10Reader.readSplit(folder, limits);
    }
  },
  GTSRB("GTSRB: GTSRB/Final_Training/Images/000NN/GT-000NN.csv + *.ppm, optionally GTSRB/Final_Test/Images/") {
    @Override
    boolean looksLike(Path folder) {
      return GtsrbReader.looksLike(folder);
    }

    @Override
    public DatasetSplit read(Path folder, DatasetLimits limits) throws IOException {
      return GtsrbReader.readSplit(folder, limits);
    }
  },
  NUMPY("NumPy: dataset.npz (x_train, y_train, x_test, y_test), or train.npz and test.npz (x, y)") {
    @Override
    boolean looksLike(Path folder) {
      return NpzReader.looksLike(folder);
    }

    @Override
    public DatasetSplit read(Path folder, DatasetLimits limits) throws IOException {
      return NpzReader.readSplit(folder, limits);
    }
  },
  IMAGE_FOLDER("ImageFolder: train/<class>/*.png|jpg|jpeg and test/<class>/...") {
    @Override
    boolean looksLike(Path folder) {
      return ImageFolderReader.looksLike(folder);
    }

    @Override
    public DatasetSplit read(Path folder, DatasetLimits limits) throws IOException {
      return ImageFolderReader.readSplit(folder, limits);
    }
  };

  private final String layout;

  DatasetFormat(String layout) {
    this.layout = layout;
  }

  /** The files this format expects, for people reading an error. */
  public String layout() {
    return layout;
  }

  /**
   * Reads the folder's training and test sets under {@code limits}: DatasetTooLargeException when what
   * the files declare exceeds a budget, DatasetFormatException when they are malformed or an image is too
   * large.
   */
  public abstract DatasetSplit read(Path folder, DatasetLimits limits) throws IOException;

  abstract boolean looksLike(Path folder);

  /** The format of the dataset in {@code folder}; the exception lists every layout looked for. */
  public static DatasetFormat detect(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      throw new DatasetFormatException("dataset folder " + folder + " does not exist or is not a folder");
    }
    for (DatasetFormat format : values()) {
      if (format.looksLike(folder)) {
        return format;
      }
    }
    String contents;
    try (Stream<Path> entries = Files.list(folder)) {
      contents = entries.map(p -> p.getFileName().toString()).sorted().limit(20).collect(Collectors.joining(", "));
    }
    throw new DatasetFormatException(
        folder + " holds no dataset layout this server reads (it has [" + contents + "]); looked for:\n  "
            + Arrays.stream(values()).map(DatasetFormat::layout).collect(Collectors.joining("\n  ")));
  }
}
