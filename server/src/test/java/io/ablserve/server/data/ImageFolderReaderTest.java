package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderReaderTest {
  @TempDir Path dir;

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] filled(int n, int value) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) value);
    return b;
  }

  @Test
  void readSplit_readsPngPixelsExactlyWithClassesInSortedFolderOrder() throws Exception {
    byte[] dog = random(3 * 4 * 5, 1);
    byte[] ant = random(3 * 4 * 5, 2);
    byte[] cat = random(3 * 4 * 5, 3);
    ImageFolderFiles.write(dir, "train", "dog", "b.png", ImageFolderFiles.rgb(4, 5, dog));
    ImageFolderFiles.write(dir, "train", "ant", "z.png", ImageFolderFiles.rgb(4, 5, ant));
    ImageFolderFiles.write(dir, "train", "cat", "a.PNG", ImageFolderFiles.rgb(4, 5, cat));
    Files.writeString(dir.resolve("train/cat/notes.txt"), "skipped: not an image extension");
    ImageFolderFiles.write(dir, "test", "cat", "t.png", ImageFolderFiles.rgb(4, 5, dog));

    DatasetSplit split = ImageFolderReader.readSplit(dir, DatasetLimits.DEFAULTS);

    ImageSet train = split.train();
    assertThat(List.of(train.channels(), train.height(), train.width(), train.numClasses()))
        .containsExactly(3, 4, 5, 3);
    assertThat(train.labels()).containsExactly(0, 1, 2); // ant, cat, dog
    byte[] expected = new byte[3 * 60];
    System.arraycopy(ant, 0, expected, 0, 60);
    System.arraycopy(cat, 0, expected, 60, 60);
    System.arraycopy(dog, 0, expected, 120, 60);
    assertThat(train.pixels()).containsExactly(expected);
    assertThat(split.test().labels()).containsExactly(1);
    assertThat(split.test().pixels()).containsExactly(dog);
  }

  @Test
  void readSplit_keepsOneChannelWhenEveryImageIsGrey() throws Exception {
    byte[] values = random(6, 4);
    ImageFolderFiles.write(dir, "train", "0", "a.png", ImageFolderFiles.grey(2, 3, values));
    ImageFolderFiles.write(dir, "train", "1", "a.png", ImageFolderFiles.grey(2, 3, filled(6, 9)));
    ImageFolderFiles.write(dir, "test", "1", "a.png", ImageFolderFiles.grey(2, 3, filled(6, 200)));

    DatasetSplit split = ImageFolderReader.readSplit(dir, DatasetLimits.DEFAULTS);

    assertThat(split.train().channels()).isEqualTo(1);
    assertThat(Arrays.copyOf(split.train().pixels(), 6)).containsExactly(values);
    assertThat(split.test().pixels()).containsOnly((byte) 200);
  }

  @Test
  void readSplit_repeatsGreyIntoRgbWhenAnyImageHasColour() throws Exception {
    ImageFolderFiles.write(dir, "train", "a", "1.png", ImageFolderFiles.grey(2, 2, filled(4, 77)));
    ImageFolderFiles.write(dir, "train", "b", "1.png", ImageFolderFiles.grey(2, 2, filled(4, 1)));
    ImageFolderFiles.write(dir, "test", "a", "1.png", ImageFolderFiles.rgb(2, 2, random(12, 5)));

    DatasetSplit split = ImageFolderReader.readSplit(dir, DatasetLimits.DEFAULTS);

    assertThat(split.train().channels()).isEqualTo(3);
    assertThat(Arrays.copyOf(split.train().pixels(), 12)).containsOnly((byte) 77);
  }

  @Test
  void readSplit_resizesEveryImageToTheFirstTrainingImagesSize() throws Exception {
    ImageFolderFiles.write(dir, "train", "a", "1.png", ImageFolderFiles.rgb(4, 6, random(72, 6)));
    byte[] big = new byte[3 * 10 * 9];
    Arrays.fill(big, 0, 90, (byte) 30);
    Arrays.fill(big, 90, 180, (byte) 60);
    Arrays.fill(big, 180, 270, (byte) 90);
    ImageFolderFiles.write(dir, "train", "b", "1.png", ImageFolderFiles.rgb(10, 9, big));
    ImageFolderFiles.write(dir, "test", "b", "1.png", ImageFolderFiles.rgb(10, 9, big));

    ImageSet test = ImageFolderReader.readSplit(dir, DatasetLimits.DEFAULTS).test();

    assertThat(List.of(test.height(), test.width())).containsExactly(4, 6);
    assertThat(Arrays.copyOfRange(test.pixels(), 0, 24)).containsOnly((byte) 30);
    assertThat(Arrays.copyOfRange(test.pixels(), 48, 72)).containsOnly((byte) 90);
  }

  @Test
  void readSplit_readsJpegFiles() throws Exception {
    byte[] orange = new byte[3 * 8 * 8];
    Arrays.fill(orange, 0, 64, (byte) 240);
    Arrays.fill(orange, 64, 128, (byte) 128);
    Arrays.fill(orange, 128, 192, (byte) 16);
    ImageFolderFiles.write(dir, "train", "a", "1.jpg", ImageFolderFiles.rgb(8, 8, orange));
    ImageFolderFiles.write(dir, "train", "b", "1.jpeg", ImageFolderFiles.rgb(8, 8, orange));
    ImageFolderFiles.write(dir, "test", "b", "1.jpg", ImageFolderFiles.rgb(8, 8, orange));

    ImageSet train = ImageFolderReader.readSplit(dir, DatasetLimits.DEFAULTS).train();

    assertThat(train.size()).isEqualTo(2);
    assertThat(train.channels()).isEqualTo(3);
    for (int i = 0; i < train.pixels().length; i++) { // JPEG is lossy; a flat colour survives closely
      assertThat(train.pixels()[i] & 0xff).isCloseTo(orange[i % 192] & 0xff, offset(4));
    }
  }

  @Test
  void readSplit_rejectsAnUnreadableImageNamingIt() throws Exception {
    ImageFolderFiles.write(dir, "train", "a", "1.png", ImageFolderFiles.grey(2, 2, filled(4, 1)));
    ImageFolderFiles.write(dir, "train", "b", "1.png", ImageFolderFiles.grey(2, 2, filled(4, 1)));
    Path broken = dir.resolve("test/b/broken.jpg");
    Files.createDirectories(broken.getParent());
    Files.writeString(broken, "this is not a JPEG");

    assertThatThrownBy(() -> ImageFolderReader.readSplit(dir, DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining(broken + " is not a readable PNG or JPEG image");
  }

  @Test
  void readSplit_rejectsATestClassThatTrainingLacks() throws Exception {
    ImageFolderFiles.write(dir, "train", "a", "1.png", ImageFolderFiles.grey(2, 2, filled(4, 1)));
    ImageFolderFiles.write(dir, "train", "b", "1.png", ImageFolderFiles.grey(2, 2, filled(4, 1)));
    ImageFolderFiles.write(dir, "test", "c", "1.png", ImageFolderFiles.grey(2, 2, filled(4, 1)));

    assertThatThrownBy(() -> ImageFolderReader.readSplit(dir, DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining(dir.resolve("test/c") + " is a class that train/ does not have; train/ has [a, b]");
  }

  @Test
  void readSplit_refusesAPngDeclaring30000x30000_fromItsHeaderBeforeDecoding() throws Exception {
    Path big = Files.createDirectories(dir.resolve("train/a")).resolve("big.png");
    Files.write(big, ImageFolderFiles.pngDeclaring(30_000, 30_000));
    ImageFolderFiles.write(dir, "train", "b", "1.png", ImageFolderFiles.grey(2, 2, filled(4, 1)));
    ImageFolderFiles.write(dir, "test", "b", "1.png", ImageFolderFiles.grey(2, 2, filled(4, 1)));

    long before = AllocatedBytes.now();
    assertThatThrownBy(() -> ImageFolderReader.readSplit(dir, DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining(
            big + " is 30000x30000 pixels; images may be at most 4096 pixels on a side (--max-image-side-px)");
    assertThat(AllocatedBytes.now() - before).as("bytes allocated").isLessThan(64L << 20);
  }

  @Test
  void readSplit_refusesAJpegOverTheSideLimitAmongSmallImages() throws Exception {
    ImageFolderFiles.write(dir, "train", "a", "1.png", ImageFolderFiles.grey(2, 2, filled(4, 1)));
    Path big = Files.createDirectories(dir.resolve("train/b")).resolve("big.jpg");
    Files.write(big, ImageFolderFiles.jpegDeclaring(20_000, 300));
    ImageFolderFiles.write(dir, "test", "a", "1.png", ImageFolderFiles.grey(2, 2, filled(4, 1)));
    DatasetLimits limits = new DatasetLimits(1 << 20, 1000, 10, 1 << 20);

    long before = AllocatedBytes.now();
    assertThatThrownBy(() -> ImageFolderReader.readSplit(dir, limits))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining(big + " is 20000x300 pixels; images may be at most 1000 pixels on a side");
    assertThat(AllocatedBytes.now() - before).as("bytes allocated").isLessThan(16L << 20);
  }

  @Test
  void readSplit_refusesASetOverTheDecodeBudget_beforeDecodingAnyImage() throws Exception {
    ImageFolderFiles.write(dir, "train", "a", "1.png", ImageFolderFiles.grey(8, 8, filled(64, 1)));
    ImageFolderFiles.write(dir, "train", "b", "1.png", ImageFolderFiles.grey(8, 8, filled(64, 2)));
    // decoding it would fail, so the budget's error shows that nothing was decoded first
    Files.writeString(Files.createDirectories(dir.resolve("test/a")).resolve("broken.png"), "not a png");
    DatasetLimits limits = new DatasetLimits(500, 4096, 10, 1 << 20);

    assertThatThrownBy(() -> ImageFolderReader.readSplit(dir, limits))
        .isInstanceOf(DatasetTooLargeException.class)
        .hasMessageContaining(
            dir + " (3 images, as RGB at the first image's 8x8) declares 576 bytes;"
                + " a dataset may decode to at most 500 bytes (--max-decoded-bytes)");
  }
}
