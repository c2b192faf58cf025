package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  @TempDir Path dir;

  @Test
  void read_returnsPixelsAndLabelsInFileOrder() throws Exception {
    byte[][] images = {{1, 2, 3, 4, 5, 6}, {7, 8, 9, 10, 11, (byte) 200}};
    IdxFiles.writeImages(dir.resolve("img"), images, 2, 3);
    IdxFiles.writeLabels(dir.resolve("lbl"), new int[] {3, 9});

    ImageSet set = IdxReader.read(dir.resolve("img"), dir.resolve("lbl"));

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

    DatasetSplit split = IdxReader.readSplit(dir);

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

    assertThatThrownBy(() -> IdxReader.read(dir.resolve("img"), dir.resolve("lbl")))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("truncated")
        .hasMessageContaining("8 bytes");
  }

  @Test
  void read_rejectsWrongMagic() throws Exception {
    IdxFiles.writeLabels(dir.resolve("lbl"), new int[] {0, 1});

    assertThatThrownBy(() -> IdxReader.read(dir.resolve("lbl"), dir.resolve("lbl")))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("not an IDX file of unsigned bytes with 3 dimensions");
  }

  @Test
  void read_rejectsLabelCountMismatch() throws Exception {
    IdxFiles.writeImages(dir.resolve("img"), new byte[][] {new byte[4], new byte[4]}, 2, 2);
    IdxFiles.writeLabels(dir.resolve("lbl"), new int[] {0, 1, 2});

    assertThatThrownBy(() -> IdxReader.read(dir.resolve("img"), dir.resolve("lbl")))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("3 labels but its image file holds 2 images");
  }

  @Test
  void readSplit_namesTheMissingFile() {
    assertThatThrownBy(() -> IdxReader.readSplit(dir))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("train-images-idx3-ubyte");
  }
}
