package io.ablserve.server.api;

import static io.ablserve.server.testing.DatasetUploads.sha256;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Module;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.data.IdxFiles;
import io.ablserve.server.data.NpyFiles;
import io.ablserve.server.store.InMemoryStoreModule;
import io.ablserve.server.store.StoreModule;
import io.ablserve.server.testing.BearerToken;
import io.ablserve.server.testing.DatasetUploads;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.Dataset;
import io.ablserve.v1.DatasetServiceGrpc;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.DatasetUploadMetadata;
import io.ablserve.v1.DeleteDatasetRequest;
import io.ablserve.v1.ListDatasetsRequest;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.UploadFormat;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** UploadDataset, ListDatasets and DeleteDataset through real stubs, with real files on disk. */
class DatasetUploadTest {
  private static final String ALICE = "alice-token-0123456789";
  private static final String BOB = "bob-token-0123456789";
  private static final long MAX_UPLOAD = 256 * 1024;

  @TempDir Path dir;
  private final ScriptedTrainer trainer = new ScriptedTrainer(1, true);
  private TestServer server;

  private ServerConfig config() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, ALICE + " alice\n" + BOB + " bob\n");
    return TestServer.CONFIG
        .withDataDir(dir.resolve("data"))
        .withTokenFile(tokens)
        .withMaxUploadBytes(MAX_UPLOAD);
  }

  private void start(Module store) throws Exception {
    server =
        TestServer.start(
            TestServer.Transport.IN_PROCESS, config(), new TestingTrainingModule(trainer), store);
  }

  private void start() throws Exception {
    start(new InMemoryStoreModule());
  }

  @AfterEach
  void stop() throws Exception {
    trainer.release();
    if (server != null) {
      server.close();
    }
  }

  // ---- files in the formats users upload ----

  /** An npz with {@code n} train and {@code n / 2} test 8x8 grey images of 3 classes. */
  private static byte[] npz(int n, String imageDtype, int labelCount) throws Exception {
    Path file = Files.createTempFile("upload", ".npz");
    Map<String, byte[]> members = new LinkedHashMap<>();
    int bytesPerPixel = imageDtype.equals("|u1") ? 1 : 4;
    members.put(
        "x_train", NpyFiles.npy(imageDtype, new long[] {n, 8, 8}, new byte[n * 64 * bytesPerPixel]));
    members.put("y_train", NpyFiles.labels("|u1", new long[] {labelCount}, labels(labelCount)));
    members.put(
        "x_test",
        NpyFiles.npy(imageDtype, new long[] {n / 2, 8, 8}, new byte[n * 32 * bytesPerPixel]));
    members.put("y_test", NpyFiles.labels("|u1", new long[] {n / 2}, labels(n / 2)));
    NpyFiles.writeNpz(file, members, true);
    byte[] bytes = Files.readAllBytes(file);
    Files.delete(file);
    return bytes;
  }

  private static int[] labels(int n) {
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 3;
    }
    return labels;
  }

  /** A zip of {@code folder}'s files under the entry prefix {@code prefix}. */
  private static byte[] zip(Path folder, String prefix) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes); Stream<Path> files = Files.list(folder)) {
      for (Path file : files.sorted().toList()) {
        zip.putNextEntry(new ZipEntry(prefix + file.getFileName()));
        zip.write(Files.readAllBytes(file));
        zip.closeEntry();
      }
    }
    return bytes.toByteArray();
  }

  // ---- calls ----

  private DatasetServiceGrpc.DatasetServiceBlockingStub datasets(String token) {
    return DatasetServiceGrpc.newBlockingStub(server.channel())
        .withCallCredentials(new BearerToken(token))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private List<Dataset> list(String token) {
    return datasets(token).listDatasets(ListDatasetsRequest.getDefaultInstance()).getDatasetsList();
  }

  private Dataset upload(String token, UploadFormat format, byte[] bytes) throws Exception {
    return upload(token, format, bytes, bytes.length, sha256(bytes), bytes.length);
  }

  /** Sends the metadata as given, then the first {@code send} bytes in 4 KiB chunks. */
  private Dataset upload(
      String token, UploadFormat format, byte[] bytes, long totalBytes, String sha256, int send)
      throws Exception {
    return upload(token, format, bytes, totalBytes, sha256, send, "");
  }

  /** As above, with {@code requestId} in the metadata. */
  private Dataset upload(
      String token, UploadFormat format, byte[] bytes, long totalBytes, String sha256, int send,
      String requestId)
      throws Exception {
    return DatasetUploads.upload(
        DatasetServiceGrpc.newStub(server.channel()).withCallCredentials(new BearerToken(token)),
        DatasetUploadMetadata.newBuilder()
            .setName("test set")
            .setFormat(format)
            .setTotalBytes(totalBytes)
            .setSha256(sha256)
            .setRequestId(requestId)
            .build(),
        Arrays.copyOf(bytes, send),
        4096);
  }

  private Session createSession(String token, String dataset) {
    return SessionServiceGrpc.newBlockingStub(server.channel())
        .withCallCredentials(new BearerToken(token))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .createSession(
            CreateSessionRequest.newBuilder()
                .setConfig(
                    SessionConfig.newBuilder()
                        .setDataset(DatasetSpec.newBuilder().setName(dataset))
                        .setAttack(AttackSpec.newBuilder().setTargetLabel(2)))
                .build());
  }

  private Path datasetsDir() {
    return dir.resolve("data").resolve("datasets");
  }

  private void assertNothingStaged() throws Exception {
    try (Stream<Path> staged = Files.list(datasetsDir().resolve(".incoming"))) {
      assertThat(staged).as("no upload left half-done").isEmpty();
    }
  }

  // ---- tests ----

  @Test
  void uploadNpz_roundTripsAndTrainsASession() throws Exception {
    start();
    byte[] npz = npz(30, "|u1", 30);

    Dataset dataset = upload(ALICE, UploadFormat.UPLOAD_FORMAT_NPZ, npz);

    assertThat(dataset.getId()).startsWith("ds-");
    assertThat(dataset.getOwner()).isEqualTo("alice");
    assertThat(dataset.getLayout()).isEqualTo("NUMPY");
    assertThat(dataset.getSizeBytes()).isEqualTo(npz.length);
    assertThat(dataset.getSha256()).isEqualTo(sha256(npz));
    assertThat(dataset.getTrainSamples()).isEqualTo(30);
    assertThat(dataset.getTestSamples()).isEqualTo(15);
    assertThat(List.of(dataset.getChannels(), dataset.getHeightPx(), dataset.getWidthPx()))
        .containsExactly(1, 8, 8);
    assertThat(dataset.getNumClasses()).isEqualTo(3);
    assertThat(list(ALICE)).containsExactly(dataset);
    assertThat(datasetsDir().resolve(dataset.getId()).resolve("dataset.npz")).exists();
    assertNothingStaged();
    assertThat(Thread.getAllStackTraces().keySet())
        .extracting(Thread::getName)
        .as("the dataset was read on the bounded upload pool, not on a gRPC thread (#15)")
        .anyMatch(name -> name.startsWith("ablserve-upload-finish-"));

    Session session = createSession(ALICE, dataset.getId());
    assertThat(session.getConfig().getDataset().getName()).isEqualTo(dataset.getId());
    assertThat(trainer.awaitStarted().dataset().name()).isEqualTo(dataset.getId());
    ServiceTestBase.assertStatus(
        () -> createSession(BOB, dataset.getId()), Status.Code.INVALID_ARGUMENT, "is unknown");
    ServiceTestBase.assertStatus(
        () -> datasets(ALICE).deleteDataset(
            DeleteDatasetRequest.newBuilder().setDatasetId(dataset.getId()).build()),
        Status.Code.FAILED_PRECONDITION, "in use");
  }

  @Test
  void uploadZipOfIdxFiles_inATopLevelFolder_roundTrips() throws Exception {
    start();
    Path idx = IdxFiles.writeSplit(dir.resolve("idx"), 12, 7);
    byte[] zip = zip(idx, "my-mnist/");

    Dataset dataset = upload(BOB, UploadFormat.UPLOAD_FORMAT_ZIP, zip);

    assertThat(dataset.getLayout()).isEqualTo("IDX");
    assertThat(dataset.getTrainSamples()).isEqualTo(12);
    assertThat(dataset.getHeightPx()).isEqualTo(28);
    assertThat(dataset.getNumClasses()).isEqualTo(10);
    assertThat(list(BOB)).extracting(Dataset::getId).containsExactly(dataset.getId());
    assertThat(list(ALICE)).as("another user's upload is private").isEmpty();
    assertNothingStaged();
  }

  @Test
  void badUploads_areRejectedAndLeaveNoTrace() throws Exception {
    start();
    Dataset kept = upload(ALICE, UploadFormat.UPLOAD_FORMAT_NPZ, npz(12, "|u1", 12));
    byte[] good = npz(12, "|u1", 12);
    String goodSha = sha256(good);

    ServiceTestBase.assertStatus(
        () -> upload(
            ALICE, UploadFormat.UPLOAD_FORMAT_NPZ, good, good.length, goodSha, good.length - 5),
        Status.Code.INVALID_ARGUMENT, "truncated");
    ServiceTestBase.assertStatus(
        () -> upload(
            ALICE, UploadFormat.UPLOAD_FORMAT_NPZ, good, good.length, "ab".repeat(32), good.length),
        Status.Code.INVALID_ARGUMENT, "sha256 mismatch");
    ServiceTestBase.assertStatus(
        () -> upload(
            ALICE, UploadFormat.UPLOAD_FORMAT_NPZ, good, good.length - 1, goodSha, good.length),
        Status.Code.INVALID_ARGUMENT, "more than total_bytes");
    ServiceTestBase.assertStatus(
        () -> upload(ALICE, UploadFormat.UPLOAD_FORMAT_NPZ, npz(12, "|u1", 11)),
        Status.Code.INVALID_ARGUMENT, "does not load");
    ServiceTestBase.assertStatus(
        () -> upload(ALICE, UploadFormat.UPLOAD_FORMAT_NPZ, npz(12, "<f4", 12)),
        Status.Code.INVALID_ARGUMENT, "does not load");
    byte[] notData = zip(Files.createDirectories(dir.resolve("junk")), "");
    ServiceTestBase.assertStatus(
        () -> upload(ALICE, UploadFormat.UPLOAD_FORMAT_ZIP, notData),
        Status.Code.INVALID_ARGUMENT, "zip");
    ServiceTestBase.assertStatus(
        () -> upload(ALICE, UploadFormat.UPLOAD_FORMAT_ZIP, escapingZip()),
        Status.Code.INVALID_ARGUMENT, "outside the dataset folder");
    byte[] big = new byte[(int) MAX_UPLOAD + 1];
    ServiceTestBase.assertStatus(
        () -> upload(ALICE, UploadFormat.UPLOAD_FORMAT_NPZ, big),
        Status.Code.RESOURCE_EXHAUSTED, "--max-upload-bytes");
    ServiceTestBase.assertStatus(
        () -> upload(
            ALICE, UploadFormat.UPLOAD_FORMAT_NPZ, big, MAX_UPLOAD, sha256(big), big.length),
        Status.Code.RESOURCE_EXHAUSTED, "--max-upload-bytes");

    assertThat(list(ALICE)).containsExactly(kept);
    assertNothingStaged();
    try (Stream<Path> published = Files.list(datasetsDir())) {
      assertThat(published.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(".incoming", kept.getId());
    }
    assertThat(Files.exists(dir.resolve("evil.txt"))).isFalse();
  }

  private static byte[] escapingZip() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      zip.putNextEntry(new ZipEntry("../../../../evil.txt"));
      zip.write("pwned".getBytes());
      zip.closeEntry();
    }
    return bytes.toByteArray();
  }

  @Test
  void deleteDataset_removesItsFilesAndIsPrivate() throws Exception {
    start();
    Dataset dataset = upload(ALICE, UploadFormat.UPLOAD_FORMAT_NPZ, npz(12, "|u1", 12));
    DeleteDatasetRequest delete =
        DeleteDatasetRequest.newBuilder().setDatasetId(dataset.getId()).build();

    ServiceTestBase.assertStatus(
        () -> datasets(BOB).deleteDataset(delete), Status.Code.NOT_FOUND, dataset.getId());
    datasets(ALICE).deleteDataset(delete);

    assertThat(list(ALICE)).isEmpty();
    assertThat(datasetsDir().resolve(dataset.getId())).doesNotExist();
    ServiceTestBase.assertStatus(
        () -> datasets(ALICE).deleteDataset(delete), Status.Code.NOT_FOUND, dataset.getId());
    ServiceTestBase.assertStatus(
        () -> createSession(ALICE, dataset.getId()), Status.Code.INVALID_ARGUMENT, "dataset.name");
  }

  @Test
  void uploadedDatasets_surviveARestart() throws Exception {
    start(new StoreModule());
    Dataset dataset = upload(ALICE, UploadFormat.UPLOAD_FORMAT_NPZ, npz(12, "|u1", 12));
    server.close();
    server = null;

    start(new StoreModule());
    assertThat(list(ALICE)).containsExactly(dataset);
    assertThat(createSession(ALICE, dataset.getId()).getConfig().getDataset().getName())
        .isEqualTo(dataset.getId());
  }

  @Test
  void uploadWithARequestId_retried_returnsTheFirstDatasetAndStoresNothing() throws Exception {
    start(new StoreModule());
    byte[] bytes = npz(12, "|u1", 12);
    String requestId = java.util.UUID.randomUUID().toString();
    Dataset first = upload(ALICE, UploadFormat.UPLOAD_FORMAT_NPZ, bytes, bytes.length, sha256(bytes),
        bytes.length, requestId);
    Dataset retried = upload(ALICE, UploadFormat.UPLOAD_FORMAT_NPZ, bytes, bytes.length, sha256(bytes),
        bytes.length, requestId);
    assertThat(retried).isEqualTo(first);
    assertThat(list(ALICE)).containsExactly(first);
    Dataset bobs = upload(BOB, UploadFormat.UPLOAD_FORMAT_NPZ, bytes, bytes.length, sha256(bytes),
        bytes.length, requestId);
    assertThat(bobs.getId()).as("request ids are per owner").isNotEqualTo(first.getId());
    try (Stream<Path> folders = Files.list(datasetsDir())) {
      assertThat(folders.filter(p -> p.getFileName().toString().startsWith("ds-"))).hasSize(2);
    }
    assertNothingStaged();

    server.close();
    server = null;
    start(new StoreModule());
    assertThat(upload(ALICE, UploadFormat.UPLOAD_FORMAT_NPZ, bytes, bytes.length, sha256(bytes),
            bytes.length, requestId))
        .as("remembered across a restart")
        .isEqualTo(first);
    ServiceTestBase.assertStatus(
        () -> upload(ALICE, UploadFormat.UPLOAD_FORMAT_NPZ, bytes, bytes.length, sha256(bytes),
            bytes.length, "again"),
        Status.Code.INVALID_ARGUMENT, "metadata.request_id must be a UUID");
  }

  @Test
  void listDatasets_pagesNewestFirst() throws Exception {
    start();
    List<String> newestFirst = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      newestFirst.add(0, upload(ALICE, UploadFormat.UPLOAD_FORMAT_NPZ, npz(12, "|u1", 12)).getId());
    }
    upload(BOB, UploadFormat.UPLOAD_FORMAT_NPZ, npz(12, "|u1", 12));
    List<String> paged = new java.util.ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      io.ablserve.v1.ListDatasetsResponse page = datasets(ALICE).listDatasets(
          ListDatasetsRequest.newBuilder().setPageSize(2).setPageToken(token).build());
      page.getDatasetsList().forEach(d -> paged.add(d.getId()));
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty());
    assertThat(paged).containsExactlyElementsOf(newestFirst);
    assertThat(pages).isEqualTo(3);
    ServiceTestBase.assertStatus(
        () -> datasets(ALICE).listDatasets(
            ListDatasetsRequest.newBuilder().setPageToken("bogus").build()),
        Status.Code.INVALID_ARGUMENT, "page_token");
  }
}
