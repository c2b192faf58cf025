package io.ablserve.server.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads datasets saved with {@code np.savez} or {@code np.savez_compressed} (a zip of {@code .npy} members,
 * stored or deflated), which is what the Python client uploads. Two layouts: one {@code dataset.npz} holding
 * {@code x_train}, {@code y_train}, {@code x_test} and {@code y_test}; or {@code train.npz} and
 * {@code test.npz} each holding {@code x} and {@code y} (or {@code x_train}/{@code y_train} and
 * {@code x_test}/{@code y_test}). Images are uint8 (N, H, W) or (N, H, W, C), labels integer (N,) or (N, 1)
 * (see {@link NpyArray}); the class count is the largest label of either split + 1, at least 2.
 */
public final class NpzReader {
  static final String SINGLE_FILE = "dataset.npz";
  static final String TRAIN_FILE = "train.npz";
  static final String TEST_FILE = "test.npz";

  private NpzReader() {}

  static boolean looksLike(Path folder) {
    return Files.isRegularFile(folder.resolve(SINGLE_FILE)) || Files.isRegularFile(folder.resolve(TRAIN_FILE));
  }

  /**
   * Reads the split; the headers of all four arrays are read and their sizes claimed from the decode
   * budget of {@code limits} before any array's data is.
   */
  public static DatasetSplit readSplit(Path folder, DatasetLimits limits) throws IOException {
    Path single = folder.resolve(SINGLE_FILE);
    if (Files.isRegularFile(single)) {
      try (ZipFile zip = open(single)) {
        return read(limits,
            member(zip, single, "x_train"), member(zip, single, "y_train"),
            member(zip, single, "x_test"), member(zip, single, "y_test"));
      }
    }
    Path train = folder.resolve(TRAIN_FILE);
    Path test = folder.resolve(TEST_FILE);
    if (!Files.isRegularFile(train) || !Files.isRegularFile(test)) {
      throw new DatasetFormatException(
          "no " + SINGLE_FILE + ", nor both " + TRAIN_FILE + " and " + TEST_FILE + ", in " + folder);
    }
    try (ZipFile trainZip = open(train); ZipFile testZip = open(test)) {
      return read(limits,
          member(trainZip, train, "x", "x_train"), member(trainZip, train, "y", "y_train"),
          member(testZip, test, "x", "x_test"), member(testZip, test, "y", "y_test"));
    }
  }

  private static DatasetSplit read(DatasetLimits limits, Member... members) throws IOException {
    DecodeBudget budget = limits.decodeBudget();
    NpyReader.Header[] headers = new NpyReader.Header[members.length];
    for (int i = 0; i < members.length; i++) {
      headers[i] = members[i].header();
      budget.claim(headers[i].dataBytes(),
          members[i].source() + " (shape " + NpyArray.shapeText(headers[i].shape()) + ")");
    }
    NpyArray[] arrays = new NpyArray[members.length];
    for (int i = 0; i < members.length; i++) {
      arrays[i] = members[i].array(headers[i]);
    }
    return split(arrays[0], arrays[1], arrays[2], arrays[3]);
  }

  /** Pairs images and labels of both splits into sets of one image shape and one class count. */
  static DatasetSplit split(NpyArray xTrain, NpyArray yTrain, NpyArray xTest, NpyArray yTest)
      throws DatasetFormatException {
    int[] trainShape = xTrain.imageShape();
    int[] testShape = xTest.imageShape();
    if (trainShape[0] != testShape[0] || trainShape[1] != testShape[1] || trainShape[2] != testShape[2]) {
      throw new DatasetFormatException(
          xTrain.source() + " has " + shapeText(trainShape) + " images but " + xTest.source() + " has "
              + shapeText(testShape) + " images; both splits must share one shape");
    }
    int[] trainLabels = labelsFor(xTrain, yTrain);
    int[] testLabels = labelsFor(xTest, yTest);
    int classes = 2;
    for (int[] labels : List.of(trainLabels, testLabels)) {
      for (int label : labels) {
        classes = Math.max(classes, label + 1);
      }
    }
    int c = trainShape[0];
    int h = trainShape[1];
    int w = trainShape[2];
    return new DatasetSplit(
        new ImageSet(xTrain.nchwPixels(), trainLabels, c, h, w, classes),
        new ImageSet(xTest.nchwPixels(), testLabels, c, h, w, classes));
  }

  private static int[] labelsFor(NpyArray x, NpyArray y) throws DatasetFormatException {
    int[] labels = y.labels();
    if (labels.length != x.length()) {
      throw new DatasetFormatException(
          y.source() + " holds " + labels.length + " labels but " + x.source() + " holds " + x.length() + " images");
    }
    return labels;
  }

  /** One array of an archive, named in errors as {@code file:name}. */
  private record Member(ZipFile zip, ZipEntry entry, String source) {
    NpyReader.Header header() throws IOException {
      try (InputStream in = open()) {
        return NpyReader.header(in, source);
      } catch (ZipException | EOFException e) {
        throw corrupt(e);
      }
    }

    NpyArray array(NpyReader.Header header) throws IOException {
      try (InputStream in = open()) {
        NpyReader.header(in, source);
        return NpyReader.body(in, source, header);
      } catch (ZipException | EOFException e) {
        throw corrupt(e);
      }
    }

    private InputStream open() throws IOException {
      return new BufferedInputStream(zip.getInputStream(entry), 1 << 16);
    }

    private DatasetFormatException corrupt(IOException e) {
      return new DatasetFormatException(source + " is corrupt or truncated: " + e.getMessage());
    }
  }

  /** The first of {@code names} the archive holds, as {@code name.npy} (what np.savez writes) or bare. */
  private static Member member(ZipFile zip, Path file, String... names) throws IOException {
    for (String name : names) {
      for (String entryName : new String[] {name + ".npy", name}) {
        ZipEntry entry = zip.getEntry(entryName);
        if (entry != null) {
          return new Member(zip, entry, file + ":" + name);
        }
      }
    }
    List<String> present = Collections.list(zip.entries()).stream().map(ZipEntry::getName).sorted().toList();
    throw new DatasetFormatException(
        file + " has no array " + String.join(" or ", names) + "; it holds " + present);
  }

  private static ZipFile open(Path file) throws IOException {
    try {
      return new ZipFile(file.toFile());
    } catch (ZipException e) {
      throw new DatasetFormatException(
          file + " is not a readable .npz (zip) archive, perhaps truncated: " + e.getMessage());
    }
  }

  private static String shapeText(int[] chw) {
    return chw[0] + "x" + chw[1] + "x" + chw[2];
  }
}
