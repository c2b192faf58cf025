package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.data.DatasetLimits;
import io.ablserve.server.data.IdxFiles;
import io.ablserve.server.data.ImageFolderFiles;
import io.ablserve.server.data.NpyFiles;
import io.ablserve.server.testing.DatasetUploads;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.v1.Dataset;
import io.ablserve.v1.DatasetServiceGrpc;
import io.ablserve.v1.DatasetUploadMetadata;
import io.ablserve.v1.ListDatasetsRequest;
import io.ablserve.v1.UploadFormat;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decompression bombs and files that declare huge sizes, sent through UploadDataset to a server with low
 * {@link DatasetLimits}: each is refused with the status of the limit it breaks and leaves nothing behind.
 */
class UploadBudgetsTest {
  private static final DatasetLimits LIMITS = new DatasetLimits(64 << 10, 64, 20, 512 << 10);

  @TempDir Path dir;
  private final ScriptedTrainer trainer = new ScriptedTrainer(1, true);
  private TestServer server;

  @AfterEach
  void stop() throws Exception {
    trainer.release();
    if (server != null) {
      server.close();
    }
  }

  private Dataset upload(UploadFormat format, byte[] bytes) throws Exception {
    return DatasetUploads.upload(
        DatasetServiceGrpc.newStub(server.channel()),
        DatasetUploadMetadata.newBuilder()
            .setName("budget test")
            .setFormat(format)
            .setTotalBytes(bytes.length)
            .setSha256(DatasetUploads.sha256(bytes))
            .build(),
        bytes,
        64 << 10);
  }

  /** An npz of 8x8 grey images whose headers declare {@code n} training images; data only if {@code real}. */
  private static byte[] npz(int n, boolean real) throws Exception {
    Map<String, byte[]> members = new LinkedHashMap<>();
    members.put("x_train", NpyFiles.npy("|u1", new long[] {n, 8, 8}, new byte[real ? n * 64 : 0]));
    members.put("y_train", NpyFiles.npy("|u1", new long[] {n}, new byte[real ? n : 0]));
    members.put("x_test", NpyFiles.npy("|u1", new long[] {2, 8, 8}, new byte[128]));
    members.put("y_test", NpyFiles.labels("|u1", new long[] {2}, 0, 1));
    Path file = Files.createTempFile("upload", ".npz");
    NpyFiles.writeNpz(file, members, true);
    byte[] bytes = Files.readAllBytes(file);
    Files.delete(file);
    return bytes;
  }

  private static byte[] zip(Map<String, byte[]> entries) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(entry.getKey()));
        zip.write(entry.getValue());
        zip.closeEntry();
      }
    }
    return bytes.toByteArray();
  }

  private static byte[] png(int side) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    javax.imageio.ImageIO.write(ImageFolderFiles.grey(side, side, new byte[side * side]), "png", out);
    return out.toByteArray();
  }

  /** A zip of gzipped IDX files of {@code n} all-zero 28x28 training images. */
  private byte[] gzippedIdx(int n) throws Exception {
    Path folder = Files.createDirectories(dir.resolve("idx"));
    IdxFiles.writeImages(folder.resolve("train-images-idx3-ubyte.gz"), new byte[n][28 * 28], 28, 28);
    IdxFiles.writeLabels(folder.resolve("train-labels-idx1-ubyte.gz"), new int[n]);
    IdxFiles.writeImages(folder.resolve("t10k-images-idx3-ubyte.gz"), new byte[1][28 * 28], 28, 28);
    IdxFiles.writeLabels(folder.resolve("t10k-labels-idx1-ubyte.gz"), new int[1]);
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : files.sorted().toList()) {
        entries.put(file.getFileName().toString(), Files.readAllBytes(file));
      }
    }
    return zip(entries);
  }

  private void assertNothingKept() throws Exception {
    Path datasets = dir.resolve("data").resolve("datasets");
    try (Stream<Path> staged = Files.list(datasets.resolve(".incoming"))) {
      assertThat(staged).as("no upload left half-done").isEmpty();
    }
    try (Stream<Path> published = Files.list(datasets)) {
      assertThat(published.map(p -> p.getFileName().toString())).containsExactly(".incoming");
    }
    assertThat(
            DatasetServiceGrpc.newBlockingStub(server.channel())
                .listDatasets(ListDatasetsRequest.getDefaultInstance())
                .getDatasetsList())
        .isEmpty();
  }

  @Test
  void bombs_areRefusedNamingTheirLimit_andAnOrdinaryUploadStillSucceeds() throws Exception {
    server = TestServer.start(
        TestServer.Transport.IN_PROCESS,
        TestServer.CONFIG.withDataDir(dir.resolve("data")).withDatasetLimits(LIMITS),
        new TestingTrainingModule(trainer));
    byte[] npzBomb = npz(2_000_000, false); // 128 MB declared by a few hundred bytes
    byte[] bigImage = zip(Map.of(
        "train/a/big.png", ImageFolderFiles.pngDeclaring(30_000, 30_000),
        "train/b/1.png", png(8),
        "test/b/1.png", png(8)));
    byte[] idxBomb = gzippedIdx(200); // 156,800 bytes of pixels from a 1 KB zip
    byte[] zipBomb = zip(Map.of("zeros.bin", new byte[8 << 20]));
    Map<String, byte[]> many = new LinkedHashMap<>();
    for (int i = 0; i < 100; i++) {
      many.put("f" + i, new byte[1]);
    }
    byte[] manyEntries = zip(many);

    ServiceTestBase.assertStatus(
        () -> upload(UploadFormat.UPLOAD_FORMAT_NPZ, npzBomb), Status.Code.RESOURCE_EXHAUSTED,
        "x_train (shape (2000000, 8, 8)) declares 128000000 bytes; a dataset may decode to at most 65536 bytes"
            + " (--max-decoded-bytes)");
    ServiceTestBase.assertStatus(
        () -> upload(UploadFormat.UPLOAD_FORMAT_ZIP, bigImage), Status.Code.INVALID_ARGUMENT,
        "train/a/big.png is 30000x30000 pixels; images may be at most 64 pixels on a side (--max-image-side-px)");
    ServiceTestBase.assertStatus(
        () -> upload(UploadFormat.UPLOAD_FORMAT_ZIP, idxBomb), Status.Code.RESOURCE_EXHAUSTED,
        "train-images-idx3-ubyte.gz (200x28x28 images) declares 156800 bytes");
    ServiceTestBase.assertStatus(
        () -> upload(UploadFormat.UPLOAD_FORMAT_ZIP, zipBomb), Status.Code.RESOURCE_EXHAUSTED,
        "the zip unpacks to more than 524288 bytes, this server's limit (--max-unpacked-bytes)");
    ServiceTestBase.assertStatus(
        () -> upload(UploadFormat.UPLOAD_FORMAT_ZIP, manyEntries), Status.Code.RESOURCE_EXHAUSTED,
        "the zip holds more than 20 entries, this server's limit (--max-zip-entries)");
    assertNothingKept();

    Dataset dataset = upload(UploadFormat.UPLOAD_FORMAT_NPZ, npz(100, true));

    assertThat(dataset.getTrainSamples()).isEqualTo(100);
    assertThat(dataset.getHeightPx()).isEqualTo(8);
  }
}
