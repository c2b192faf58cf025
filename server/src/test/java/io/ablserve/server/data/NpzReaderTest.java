package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzReaderTest {
  @TempDir Path dir;

  /** {@code n} 2x2 RGB images in HWC order whose every byte is {@code 10 * sample + position}. */
  private static byte[] images(int n) {
    byte[] x = new byte[n * 12];
    for (int i = 0; i < x.length; i++) {
      x[i] = (byte) (10 * (i / 12) + i % 12);
    }
    return x;
  }

  private static Map<String, byte[]> arrays(String xName, byte[] x, int n, String yName, byte[] y) throws Exception {
    Map<String, byte[]> members = new LinkedHashMap<>();
    members.put(xName, NpyFiles.npy("|u1", new long[] {n, 2, 2, 3}, x));
    members.put(yName, y);
    return members;
  }

  @Test
  void readSplit_readsADeflatedDatasetNpz() throws Exception {
    Map<String, byte[]> members = arrays("x_train", images(3), 3, "y_train", NpyFiles.labels("<i8", new long[] {3}, 0, 4, 1));
    members.putAll(arrays("x_test", images(1), 1, "y_test", NpyFiles.labels("<i8", new long[] {1}, 2)));
    NpyFiles.writeNpz(dir.resolve("dataset.npz"), members, true);

    DatasetSplit split = NpzReader.readSplit(dir, DatasetLimits.DEFAULTS);

    ImageSet train = split.train();
    assertThat(List.of(train.size(), train.channels(), train.height(), train.width(), train.numClasses()))
        .containsExactly(3, 3, 2, 2, 5);
    assertThat(train.labels()).containsExactly(0, 4, 1);
    // sample 1, HWC bytes 10..21: the red plane holds positions 0, 3, 6, 9
    assertThat(Arrays.copyOfRange(train.pixels(), 12, 24)).containsExactly(10, 13, 16, 19, 11, 14, 17, 20, 12, 15, 18, 21);
    assertThat(split.test().labels()).containsExactly(2);
    assertThat(split.test().numClasses()).isEqualTo(5);
  }

  @Test
  void readSplit_readsStoredTrainAndTestNpz() throws Exception {
    NpyFiles.writeNpz(dir.resolve("train.npz"),
        arrays("x", images(2), 2, "y", NpyFiles.labels("|u1", new long[] {2, 1}, 1, 0)), false);
    NpyFiles.writeNpz(dir.resolve("test.npz"),
        arrays("x_test", images(2), 2, "y_test", NpyFiles.labels("<i4", new long[] {2}, 0, 1)), false);

    DatasetSplit split = NpzReader.readSplit(dir, DatasetLimits.DEFAULTS);

    assertThat(split.train().labels()).containsExactly(1, 0);
    assertThat(split.test().size()).isEqualTo(2);
    assertThat(split.train().numClasses()).isEqualTo(2);
  }

  @Test
  void readSplit_rejectsLabelsThatDoNotMatchTheImages() throws Exception {
    Map<String, byte[]> members = arrays("x_train", images(3), 3, "y_train", NpyFiles.labels("<i8", new long[] {2}, 0, 1));
    members.putAll(arrays("x_test", images(1), 1, "y_test", NpyFiles.labels("<i8", new long[] {1}, 1)));
    NpyFiles.writeNpz(dir.resolve("dataset.npz"), members, true);

    assertThatThrownBy(() -> NpzReader.readSplit(dir, DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("dataset.npz:y_train holds 2 labels but ")
        .hasMessageContaining("dataset.npz:x_train holds 3 images");
  }

  @Test
  void readSplit_rejectsFloatImagesNamingTheArray() throws Exception {
    Map<String, byte[]> members = new LinkedHashMap<>();
    members.put("x_train", NpyFiles.npy("<f8", new long[] {1, 2, 2}, new byte[32]));
    members.put("y_train", NpyFiles.labels("<i8", new long[] {1}, 0));
    members.put("x_test", NpyFiles.npy("|u1", new long[] {1, 2, 2}, new byte[4]));
    members.put("y_test", NpyFiles.labels("<i8", new long[] {1}, 1));
    NpyFiles.writeNpz(dir.resolve("dataset.npz"), members, false);

    assertThatThrownBy(() -> NpzReader.readSplit(dir, DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("dataset.npz:x_train has dtype '<f8' (float64); images must be uint8");
  }

  @Test
  void readSplit_namesAMissingArrayAndWhatTheArchiveHolds() throws Exception {
    NpyFiles.writeNpz(dir.resolve("dataset.npz"),
        arrays("x_train", images(1), 1, "y_train", NpyFiles.labels("<i8", new long[] {1}, 0)), true);

    assertThatThrownBy(() -> NpzReader.readSplit(dir, DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("dataset.npz has no array x_test; it holds [x_train.npy, y_train.npy]");
  }

  @Test
  void readSplit_rejectsATruncatedArchive() throws Exception {
    NpyFiles.writeNpz(dir.resolve("dataset.npz"),
        arrays("x_train", images(1), 1, "y_train", NpyFiles.labels("<i8", new long[] {1}, 0)), true);
    byte[] whole = Files.readAllBytes(dir.resolve("dataset.npz"));
    Files.write(dir.resolve("dataset.npz"), Arrays.copyOf(whole, whole.length / 2));

    assertThatThrownBy(() -> NpzReader.readSplit(dir, DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("dataset.npz is not a readable .npz (zip) archive, perhaps truncated");
  }

  @Test
  void readSplit_rejectsATruncatedStoredMember() throws Exception {
    byte[] x = NpyFiles.npy("|u1", new long[] {2, 2, 2, 3}, images(2));
    Map<String, byte[]> members = new LinkedHashMap<>();
    members.put("x", Arrays.copyOf(x, x.length - 12)); // a member cut short before it was zipped
    members.put("y", NpyFiles.labels("<i8", new long[] {2}, 0, 1));
    NpyFiles.writeNpz(dir.resolve("train.npz"), members, false);
    NpyFiles.writeNpz(dir.resolve("test.npz"), members, false);

    assertThatThrownBy(() -> NpzReader.readSplit(dir, DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("train.npz:x is truncated: its header declares shape (2, 2, 2, 3) of '|u1', 24 data bytes, but 12 follow");
  }

  @Test
  void readSplit_refusesArraysDeclaringMoreThanTheBudget_beforeReadingAnyData() throws Exception {
    Map<String, byte[]> members = new LinkedHashMap<>(); // headers only: 3 MB of bombs would read the same
    members.put("x_train", NpyFiles.npy("|u1", new long[] {2_000_000, 28, 28}, new byte[0]));
    members.put("y_train", NpyFiles.npy("<i8", new long[] {2_000_000}, new byte[0]));
    members.put("x_test", NpyFiles.npy("|u1", new long[] {2_000_000, 28, 28}, new byte[0]));
    members.put("y_test", NpyFiles.npy("<i8", new long[] {2_000_000}, new byte[0]));
    NpyFiles.writeNpz(dir.resolve("dataset.npz"), members, true);

    long before = AllocatedBytes.now();
    assertThatThrownBy(() -> NpzReader.readSplit(dir, DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetTooLargeException.class)
        .hasMessageContaining(
            "dataset.npz:x_test (shape (2000000, 28, 28)) declares 1568000000 bytes after 1584000000 declared"
                + " before it; a dataset may decode to at most 2147483648 bytes (--max-decoded-bytes)");
    assertThat(AllocatedBytes.now() - before).as("bytes allocated").isLessThan(64L << 20);
  }

  @Test
  void readSplit_countsEveryArrayAgainstOneBudget() throws Exception {
    Map<String, byte[]> members = arrays("x_train", images(3), 3, "y_train", NpyFiles.labels("<i8", new long[] {3}, 0, 4, 1));
    members.putAll(arrays("x_test", images(1), 1, "y_test", NpyFiles.labels("<i8", new long[] {1}, 2)));
    NpyFiles.writeNpz(dir.resolve("dataset.npz"), members, true);
    long total = 36 + 24 + 12 + 8;

    assertThat(NpzReader.readSplit(dir, new DatasetLimits(total, 4096, 10, 10)).train().size()).isEqualTo(3);
    assertThatThrownBy(() -> NpzReader.readSplit(dir, new DatasetLimits(total - 1, 4096, 10, 10)))
        .isInstanceOf(DatasetTooLargeException.class)
        .hasMessageContaining("dataset.npz:y_test (shape (1,)) declares 8 bytes after 72 declared before it");
  }
}
