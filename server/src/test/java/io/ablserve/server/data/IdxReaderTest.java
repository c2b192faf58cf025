package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.util.zip.GZIPOutputStream;

class IdxReaderTest {
  @TempDir Path dir;

  @Test
  void read_returnsPixelsAndLabelsInFileOrder() throws Exception {
    byte[][] images = {{1, 2, 3, 4, 5, 6}, {7, 8, 9, 10, 11, (byte) 200}};
    IdxFiles.writeImages(dir.resolve("img"), images, 2, 3);
    IdxFiles.writeLabels(dir.resolve("lbl"), new int[] {3, 9});

    ImageSet set = IdxReader.read(dir.resolve("img"), dir.resolve("lbl"), DatasetLimits.DEFAULTS.decodeBudget());

    assertThat(set.size()).isEqualTo(2);
    assertThat(set.height()).isEqualTo(2);
    assertThat(set.width()).isEqualTo(3);
    assertThat(set.channels()).isEqualTo(1);
    assertThat(set.labels()).containsExactly(3, 9);
    assertThat(Arrays.copyOfRange(set.pixels(), 6, 12)).containsExactly(images[1]);
    assertThat(set.numClasses()).isEqualTo(10);
  }

  @Test
  void readSplit_readsGzippedTrainAndTestFiles() throws Exception {
    IdxFiles.writeSplit(dir, 20, 1);

    DatasetSplit split = IdxReader.readSplit(dir, DatasetLimits.DEFAULTS);

    assertThat(split.train().size()).isEqualTo(20);
    assertThat(split.test().size()).isEqualTo(20);
    assertThat(split.train().imageBytes()).isEqualTo(784);
  }

  @Test
  void read_rejectsTruncatedImageData() throws Exception {
    IdxFiles.writeImages(dir.resolve("img"), new byte[][] {new byte[4], new byte[4]}, 2, 2);
    IdxFiles.writeLabels(dir.resolve("lbl"), new int[] {0, 1});
    byte[] whole = Files.readAllBytes(dir.resolve("img"));
    Files.write(dir.resolve("img"), Arrays.copyOf(whole, whole.length - 3));

    assertThatThrownBy(() -> IdxReader.read(dir.resolve("img"), dir.resolve("lbl"), DatasetLimits.DEFAULTS.decodeBudget()))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("truncated")
        .hasMessageContaining("8 bytes");
  }

  @Test
  void read_rejectsWrongMagic() throws Exception {
    IdxFiles.writeLabels(dir.resolve("lbl"), new int[] {0, 1});

    assertThatThrownBy(() -> IdxReader.read(dir.resolve("lbl"), dir.resolve("lbl"), DatasetLimits.DEFAULTS.decodeBudget()))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("not an IDX file of unsigned bytes with 3 dimensions");
  }

  @Test
  void read_rejectsLabelCountMismatch() throws Exception {
    IdxFiles.writeImages(dir.resolve("img"), new byte[][] {new byte[4], new byte[4]}, 2, 2);
    IdxFiles.writeLabels(dir.resolve("lbl"), new int[] {0, 1, 2});

    assertThatThrownBy(() -> IdxReader.read(dir.resolve("img"), dir.resolve("lbl"), DatasetLimits.DEFAULTS.decodeBudget()))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("3 labels but its image file holds 2 images");
  }

  @Test
  void readSplit_namesTheMissingFile() {
    assertThatThrownBy(() -> IdxReader.readSplit(dir, DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("train-images-idx3-ubyte");
  }

  /** An IDX image file that is only a header declaring {@code n} images of 28x28, and its label header. */
  private void writeHeadersOnly(int n) throws Exception {
    ByteBuffer images = ByteBuffer.allocate(16).putInt(0x00000803).putInt(n).putInt(28).putInt(28);
    Files.write(dir.resolve("img"), images.array());
    Files.write(dir.resolve("lbl"), ByteBuffer.allocate(8).putInt(0x00000801).putInt(n).array());
  }

  @Test
  void read_refusesHeadersOverTheDecodeBudget_beforeReadingTheData() throws Exception {
    writeHeadersOnly(2_700_000); // 2.1 GB of pixels declared by 24 bytes
    DatasetLimits limits = new DatasetLimits(1 << 20, 4096, 10, 1 << 20);

    assertThatThrownBy(() -> IdxReader.read(dir.resolve("img"), dir.resolve("lbl"), limits.decodeBudget()))
        .isInstanceOf(DatasetTooLargeException.class)
        .hasMessageContaining(
            "img (2700000x28x28 images) declares 2116800000 bytes;"
                + " a dataset may decode to at most 1048576 bytes (--max-decoded-bytes)");
  }

  @Test
  void read_aShortFileClaiming2GigabytesUnderTheBudget_failsWithoutAllocatingThem() throws Exception {
    writeHeadersOnly(2_700_000);

    long before = AllocatedBytes.now();
    assertThatThrownBy(
            () -> IdxReader.read(dir.resolve("img"), dir.resolve("lbl"), DatasetLimits.DEFAULTS.decodeBudget()))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("img is truncated: its header declares 2116800000 bytes of data, the file has 0");
    assertThat(AllocatedBytes.now() - before).as("bytes allocated").isLessThan(64L << 20);
  }

  @Test
  void readSplit_refusesAGzippedBombByItsHeader_beforeInflatingIt() throws Exception {
    IdxFiles.writeImages(dir.resolve("train-images-idx3-ubyte.gz"), new byte[5000][28 * 28], 28, 28);
    IdxFiles.writeLabels(dir.resolve("train-labels-idx1-ubyte.gz"), new int[5000]);
    IdxFiles.writeImages(dir.resolve("t10k-images-idx3-ubyte.gz"), new byte[1][28 * 28], 28, 28);
    IdxFiles.writeLabels(dir.resolve("t10k-labels-idx1-ubyte.gz"), new int[1]);
    DatasetLimits limits = new DatasetLimits(1 << 20, 4096, 10, 1 << 20);

    long before = AllocatedBytes.now();
    assertThatThrownBy(() -> IdxReader.readSplit(dir, limits))
        .isInstanceOf(DatasetTooLargeException.class)
        .hasMessageContaining("train-images-idx3-ubyte.gz (5000x28x28 images) declares 3920000 bytes");
    assertThat(AllocatedBytes.now() - before).as("bytes allocated").isLessThan(2L << 20);
  }

  @Test
  void read_inflatesNoMoreThanItsHeaderDeclares() throws Exception {
    Path images = dir.resolve("img.gz");
    try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(images)))) {
      out.writeInt(0x00000803);
      out.writeInt(2);
      out.writeInt(2);
      out.writeInt(3);
      out.write(new byte[20 << 20]); // 20 MiB of trailing zeros, a few KiB compressed
    }
    IdxFiles.writeLabels(dir.resolve("lbl.gz"), new int[] {1, 2});

    long before = AllocatedBytes.now();
    ImageSet set = IdxReader.read(images, dir.resolve("lbl.gz"), DatasetLimits.DEFAULTS.decodeBudget());

    assertThat(set.size()).isEqualTo(2);
    assertThat(AllocatedBytes.now() - before).as("bytes allocated").isLessThan(4L << 20);
  }
}
