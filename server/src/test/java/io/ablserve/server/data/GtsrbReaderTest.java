package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ablserve.server.data.GtsrbFiles.Sign;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GtsrbReaderTest {
  @TempDir Path dir;

  /** The sign's inclusive ROI as CHW bytes, what the reader must return when the ROI is already 32x32. */
  private static byte[] roiAsChw(Sign s) {
    int w = s.x2() - s.x1() + 1;
    int h = s.y2() - s.y1() + 1;
    byte[] out = new byte[3 * w * h];
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          out[(c * h + y) * w + x] = s.rgb()[3 * ((s.y1() + y) * s.width() + s.x1() + x) + c];
        }
      }
    }
    return out;
  }

  private static byte[] sample(ImageSet set, int i) {
    return Arrays.copyOfRange(set.pixels(), i * 3072, (i + 1) * 3072);
  }

  @Test
  void readSplit_cropsTheInclusiveRoiOfTrainingAndTestImages() throws Exception {
    Sign a = GtsrbFiles.randomSign("00000_00000.ppm", 0, 36, 38, 2, 1); // ROI 32x34 -> resized
    Sign b = GtsrbFiles.randomSign("00000_00001.ppm", 14, 36, 36, 2, 2); // ROI exactly 32x32
    Sign c = GtsrbFiles.randomSign("00000.ppm", 42, 40, 40, 4, 3);
    GtsrbFiles.writeTraining(dir, List.of(a, b));
    GtsrbFiles.writeTest(dir, List.of(c));

    DatasetSplit split = GtsrbReader.readSplit(dir, DatasetLimits.DEFAULTS);

    assertThat(split.train().size()).isEqualTo(2);
    assertThat(split.train().labels()).containsExactly(0, 14);
    assertThat(List.of(split.train().channels(), split.train().height(), split.train().width()))
        .containsExactly(3, 32, 32);
    assertThat(split.train().numClasses()).isEqualTo(43);
    assertThat(sample(split.train(), 1)).containsExactly(roiAsChw(b));
    assertThat(split.test().labels()).containsExactly(42);
    assertThat(sample(split.test(), 0)).containsExactly(roiAsChw(c));
  }

  @Test
  void readSplit_resizesLargerSignsTo32x32() throws Exception {
    GtsrbFiles.writeTraining(dir, List.of(GtsrbFiles.uniformSign("00000_00000.ppm", 3, 90, 70, 250, 0, 17)));

    ImageSet train = GtsrbReader.readSplit(dir.resolve("GTSRB"), DatasetLimits.DEFAULTS).train();

    byte[] pixels = sample(train, 0);
    assertThat(Arrays.copyOfRange(pixels, 0, 1024)).containsOnly((byte) 250);
    assertThat(Arrays.copyOfRange(pixels, 1024, 2048)).containsOnly((byte) 0);
    assertThat(Arrays.copyOfRange(pixels, 2048, 3072)).containsOnly((byte) 17);
  }

  @Test
  void readSplit_withoutTestFolder_holdsOutEveryFifthTrack() throws Exception {
    List<Sign> signs = new java.util.ArrayList<>();
    for (int track = 0; track < 10; track++) {
      for (int frame = 0; frame < 2; frame++) {
        signs.add(GtsrbFiles.uniformSign(String.format("%05d_%05d.ppm", track, frame), 7, 20, 20, track, frame, 0));
      }
    }
    GtsrbFiles.writeTraining(dir, signs);

    DatasetSplit split = GtsrbReader.readSplit(dir, DatasetLimits.DEFAULTS);

    assertThat(split.train().size()).isEqualTo(16);
    assertThat(split.test().size()).isEqualTo(4);
    // the red channel carries the track: tracks 4 and 9, both frames each
    ImageSet test = split.test();
    assertThat(List.of(sample(test, 0)[0], sample(test, 1)[0], sample(test, 2)[0], sample(test, 3)[0]))
        .containsExactly((byte) 4, (byte) 4, (byte) 9, (byte) 9);
  }

  @Test
  void readSplit_rejectsATestFolderWithoutGroundTruth() throws Exception {
    GtsrbFiles.writeTraining(dir, List.of(GtsrbFiles.randomSign("00000_00000.ppm", 0, 36, 36, 2, 1)));
    GtsrbFiles.writeTest(dir, List.of(GtsrbFiles.randomSign("00000.ppm", 0, 36, 36, 2, 1)));
    Path images = dir.resolve("GTSRB/Final_Test/Images");
    Files.move(images.resolve("GT-final_test.csv"), images.resolve("GT-final_test.test.csv"));

    assertThatThrownBy(() -> GtsrbReader.readSplit(dir, DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining(images + " exists but its ground truth GT-final_test.csv");
  }

  @Test
  void readSplit_rejectsAClassIdBeyond42() throws Exception {
    GtsrbFiles.writeTraining(dir, List.of(GtsrbFiles.randomSign("00000_00000.ppm", 43, 36, 36, 2, 1)));

    assertThatThrownBy(() -> GtsrbReader.readSplit(dir, DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("GT-00043.csv line 2 has ClassId 43; GTSRB classes are 0 to 42");
  }

  @Test
  void readSplit_rejectsAnImageWhoseSizeDisagreesWithItsAnnotation() throws Exception {
    GtsrbFiles.writeTraining(dir, List.of(GtsrbFiles.randomSign("00000_00000.ppm", 1, 36, 36, 2, 1)));
    Files.writeString(
        dir.resolve("GTSRB/Final_Training/Images/00001/GT-00001.csv"),
        GtsrbFiles.HEADER + "\n00000_00000.ppm;36;35;2;2;33;32;1\n");

    assertThatThrownBy(() -> GtsrbReader.readSplit(dir, DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("00000_00000.ppm is 36x36 but its annotation says 36x35");
  }

  @Test
  void readSplit_rejectsATruncatedPpmNamingIt() throws Exception {
    GtsrbFiles.writeTraining(dir, List.of(GtsrbFiles.randomSign("00000_00000.ppm", 1, 36, 36, 2, 1)));
    Path image = dir.resolve("GTSRB/Final_Training/Images/00001/00000_00000.ppm");
    byte[] whole = Files.readAllBytes(image);
    Files.write(image, Arrays.copyOf(whole, whole.length - 10));

    assertThatThrownBy(() -> GtsrbReader.readSplit(dir, DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining(image + " is truncated: its header declares 36x36 pixels, 3888 raster bytes");
  }

  @Test
  void readSplit_rejectsACsvWithoutTheRoiColumns() throws Exception {
    GtsrbFiles.writeTraining(dir, List.of(GtsrbFiles.randomSign("00000_00000.ppm", 1, 36, 36, 2, 1)));
    Path csv = dir.resolve("GTSRB/Final_Training/Images/00001/GT-00001.csv");
    Files.writeString(csv, "Filename;Width;Height;ClassId\n00000_00000.ppm;36;36;1\n");

    assertThatThrownBy(() -> GtsrbReader.readSplit(dir, DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining(csv + " has no column Roi.X1");
  }
}
