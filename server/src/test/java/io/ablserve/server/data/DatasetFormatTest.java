package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetFormatTest {
  @TempDir Path dir;

  private static Map<String, byte[]> xy(String suffix) throws Exception {
    Map<String, byte[]> members = new LinkedHashMap<>();
    members.put("x" + suffix, NpyFiles.npy("|u1", new long[] {2, 3, 3}, new byte[18]));
    members.put("y" + suffix, NpyFiles.labels("<i8", new long[] {2}, 0, 1));
    return members;
  }

  @Test
  void detect_recognisesIdx() throws Exception {
    IdxFiles.writeSplit(dir, 2, 1);

    assertThat(DatasetFormat.detect(dir)).isEqualTo(DatasetFormat.IDX);
  }

  @Test
  void detect_recognisesCifar10InTheArchivesFolder() throws Exception {
    CifarFiles.writeDataset(dir.resolve("cifar-10-batches-bin"), 1, 1);

    assertThat(DatasetFormat.detect(dir)).isEqualTo(DatasetFormat.CIFAR10);
  }

  @Test
  void detect_recognisesGtsrb() throws Exception {
    GtsrbFiles.writeTraining(dir, List.of(GtsrbFiles.randomSign("00000_00000.ppm", 0, 36, 36, 2, 1)));

    assertThat(DatasetFormat.detect(dir)).isEqualTo(DatasetFormat.GTSRB);
    assertThat(DatasetFormat.detect(dir.resolve("GTSRB"))).isEqualTo(DatasetFormat.GTSRB);
  }

  @Test
  void detect_recognisesBothNumpyLayouts() throws Exception {
    Map<String, byte[]> all = xy("_train");
    all.putAll(xy("_test"));
    NpyFiles.writeNpz(dir.resolve("dataset.npz"), all, true);
    Path pair = Files.createDirectories(dir.resolve("pair"));
    NpyFiles.writeNpz(pair.resolve("train.npz"), xy(""), true);
    NpyFiles.writeNpz(pair.resolve("test.npz"), xy(""), true);

    assertThat(DatasetFormat.detect(dir)).isEqualTo(DatasetFormat.NUMPY);
    assertThat(DatasetFormat.detect(pair)).isEqualTo(DatasetFormat.NUMPY);
  }

  @Test
  void detect_recognisesImageFolder() throws Exception {
    ImageFolderFiles.write(dir, "train", "a", "1.png", ImageFolderFiles.grey(1, 1, new byte[1]));
    ImageFolderFiles.write(dir, "test", "a", "1.png", ImageFolderFiles.grey(1, 1, new byte[1]));

    assertThat(DatasetFormat.detect(dir)).isEqualTo(DatasetFormat.IMAGE_FOLDER);
  }

  @Test
  void detect_listsEveryLayoutLookedForWhenNoneMatches() throws Exception {
    Files.writeString(dir.resolve("README"), "hello");

    assertThatThrownBy(() -> DatasetFormat.detect(dir))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining(dir + " holds no dataset layout this server reads (it has [README])")
        .hasMessageContaining("train-images-idx3-ubyte")
        .hasMessageContaining("data_batch_1.bin")
        .hasMessageContaining("GTSRB/Final_Training/Images/")
        .hasMessageContaining("dataset.npz")
        .hasMessageContaining("train/<class>/");
  }

  @Test
  void detect_rejectsAMissingFolder() {
    assertThatThrownBy(() -> DatasetFormat.detect(dir.resolve("nowhere")))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("does not exist or is not a folder");
  }

  @Test
  void catalog_loadsEachFormatThroughDetection() throws Exception {
    Path cifar = dir.resolve("cifar");
    CifarFiles.writeDataset(cifar, 2, 1);
    Path npz = Files.createDirectories(dir.resolve("npz"));
    NpyFiles.writeNpz(npz.resolve("train.npz"), xy(""), false);
    NpyFiles.writeNpz(npz.resolve("test.npz"), xy(""), false);
    DatasetCatalog catalog = new DatasetCatalog(Map.of("cifar10", cifar, "mine", npz));

    assertThat(catalog.describe("cifar10")).isEqualTo(new DatasetInfo("cifar10", 3, 32, 32, 10));
    assertThat(catalog.describe("mine")).isEqualTo(new DatasetInfo("mine", 1, 3, 3, 2));
    assertThat(catalog.load(new DatasetRef("cifar10", 4, 0)).train().size()).isEqualTo(4);
  }
}
