package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10ReaderTest {
  @TempDir Path dir;

  @Test
  void readSplit_readsEveryBatchInOrderAsNchw() throws Exception {
    byte[][] written = CifarFiles.writeDataset(dir, 3, 7);

    DatasetSplit split = Cifar10Reader.readSplit(dir, DatasetLimits.DEFAULTS);

    ImageSet train = split.train();
    assertThat(train.size()).isEqualTo(15);
    assertThat(List.of(train.channels(), train.height(), train.width(), train.numClasses()))
        .containsExactly(3, 32, 32, 10);
    assertThat(train.labels()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4);
    // sample 7 is the second record of data_batch_3.bin
    assertThat(Arrays.copyOfRange(train.pixels(), 7 * 3072, 8 * 3072)).containsExactly(written[7]);
    assertThat(Arrays.copyOfRange(train.pixels(), 14 * 3072, 15 * 3072)).containsExactly(written[14]);
    ImageSet test = split.test();
    assertThat(test.labels()).containsExactly(9, 8, 7);
    assertThat(Arrays.copyOfRange(test.pixels(), 2 * 3072, 3 * 3072)).containsExactly(written[17]);
  }

  @Test
  void readSplit_findsBatchesInTheArchivesFolder() throws Exception {
    CifarFiles.writeDataset(dir.resolve("cifar-10-batches-bin"), 1, 1);

    assertThat(Cifar10Reader.readSplit(dir, DatasetLimits.DEFAULTS).train().size()).isEqualTo(5);
  }

  @Test
  void read_rejectsTruncatedBatchNamingFileAndSizes() throws Exception {
    CifarFiles.writeDataset(dir, 2, 1);
    Path batch = dir.resolve("data_batch_2.bin");
    byte[] whole = Files.readAllBytes(batch);
    Files.write(batch, Arrays.copyOf(whole, whole.length - 1));

    assertThatThrownBy(() -> Cifar10Reader.readSplit(dir, DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining(batch.toString())
        .hasMessageContaining("is 6145 bytes, not a whole number of 3073-byte CIFAR-10 records")
        .hasMessageContaining("1 whole records and 3072 bytes over");
  }

  @Test
  void read_rejectsLabelAboveNine() throws Exception {
    Path batch = dir.resolve("b.bin");
    CifarFiles.writeBatch(batch, new int[] {3, 10}, new byte[][] {new byte[3072], new byte[3072]});

    assertThatThrownBy(() -> Cifar10Reader.read(List.of(batch), DatasetLimits.DEFAULTS.decodeBudget()))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining(batch + " record 1 has label 10; CIFAR-10 labels are 0 to 9");
  }

  @Test
  void readSplit_namesTheMissingBatch() throws Exception {
    CifarFiles.writeDataset(dir, 1, 1);
    Files.delete(dir.resolve("data_batch_3.bin"));

    assertThatThrownBy(() -> Cifar10Reader.readSplit(dir, DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("no data_batch_3.bin in " + dir);
  }

  @Test
  void read_refusesBatchesOverTheDecodeBudget() throws Exception {
    Path batch = dir.resolve("data_batch_1.bin");
    CifarFiles.writeBatch(batch, new int[] {1, 2}, new byte[2][CifarFiles.IMAGE_BYTES]);

    assertThatThrownBy(() -> Cifar10Reader.read(List.of(batch), new DatasetLimits(5000, 4096, 10, 10).decodeBudget()))
        .isInstanceOf(DatasetTooLargeException.class)
        .hasMessageContaining("(2 records) declares 6146 bytes; a dataset may decode to at most 5000 bytes");
  }
}
