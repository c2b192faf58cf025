package io.ablserve.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ablserve.v1.AblConfig;
import io.ablserve.v1.Dataset;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.grpc.Status;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AblClient} built with a token file and a lab's CA against a real TLS server. */
class AblClientSharedServerTest {
  @TempDir static Path dir;
  static RealServer server;
  static AblClient alice;

  @BeforeAll
  static void start() throws Exception {
    server = RealServer.start(dir);
    alice = AblClient.builder(server.address())
        .deadline(Duration.ofSeconds(60))
        .tokenFile(server.tokens)
        .trustedCertificates(server.caCertificate)
        .authority(RealServer.AUTHORITY)
        .build();
  }

  @AfterAll
  static void stop() throws Exception {
    alice.close();
    server.close();
  }

  private static Path zipOf(Path folder, Path zip) throws Exception {
    try (OutputStream raw = Files.newOutputStream(zip);
        ZipOutputStream out = new ZipOutputStream(raw);
        Stream<Path> files = Files.list(folder)) {
      for (Path file : files.sorted().toList()) {
        out.putNextEntry(new ZipEntry(file.getFileName().toString()));
        Files.copy(file, out);
        out.closeEntry();
      }
    }
    return zip;
  }

  @Test
  void uploadDataset_streamsAZipWithProgressAndTheServerLoadsIt() throws Exception {
    Path zip = zipOf(TinyIdxDataset.write(dir.resolve("idx"), 120, 9), dir.resolve("idx.zip"));
    List<Long> progress = new ArrayList<>();

    Dataset dataset = alice.uploadDataset(zip, "zipped", progress::add);

    assertThat(dataset.getId()).startsWith("ds-");
    assertThat(dataset.getOwner()).isEqualTo("alice");
    assertThat(dataset.getTrainSamples()).isEqualTo(120);
    assertThat(dataset.getSizeBytes()).isEqualTo(Files.size(zip));
    assertThat(progress).isSorted().last().isEqualTo(Files.size(zip));
    assertThat(alice.listDatasets()).extracting(Dataset::getId).contains(dataset.getId());

    Session session = alice.createSession(
        SessionConfig.newBuilder()
            .setDataset(DatasetSpec.newBuilder().setName(dataset.getId()))
            .setAbl(AblConfig.newBuilder().setEpochs(200).setIsolationEpochs(100))
            .build(),
        -4);
    assertThat(session.getPriority()).isEqualTo(-4);
    assertThatThrownBy(() -> alice.deleteDataset(dataset.getId()))
        .isInstanceOfSatisfying(AblClientException.class,
            e -> assertThat(e.code()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    alice.cancelSession(session.getId());
  }

  @Test
  void uploadDataset_badDataIsTheServersInvalidArgument_andAnUnknownKindIsRefusedBeforeSending()
      throws Exception {
    Path junk = Files.write(dir.resolve("junk.zip"), new byte[] {1, 2, 3, 4});
    assertThatThrownBy(() -> alice.uploadDataset(junk, "junk", sent -> {}))
        .isInstanceOfSatisfying(AblClientException.class,
            e -> assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT));

    Path text = Files.writeString(dir.resolve("data.csv"), "1,2,3\n");
    assertThatThrownBy(() -> alice.uploadDataset(text, "csv", sent -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(".npz file, a .zip of a dataset folder, or the folder itself");
  }

  @Test
  void deleteDataset_ofAnUnknownIdIsNotFound() {
    assertThatThrownBy(() -> alice.deleteDataset("ds-00000000000000000000000000000000"))
        .isInstanceOfSatisfying(AblClientException.class,
            e -> assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void builder_refusesAMalformedTokenAndAnAuthorityWithoutTls() {
    assertThatThrownBy(() -> AblClient.builder(server.address()).token("two words"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AblClient.builder(server.address()).authority("x").build())
        .hasMessageContaining("needs TLS");
  }

  @Test
  void listings_takeEveryPage_andDeleteSessionRemovesACancelledOne() throws Exception {
    Path zip = zipOf(TinyIdxDataset.write(dir.resolve("paged"), 60, 3), dir.resolve("paged.zip"));
    List<String> uploaded = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      uploaded.add(alice.uploadDataset(zip, "paged-" + i, sent -> {}).getId());
    }
    assertThat(alice.listDatasets()).extracting(Dataset::getId).containsAll(uploaded);
    assertThat(alice.listConfiguredDatasets())
        .extracting(Dataset::getName)
        .as("three configured ones on pages of 2, by name")
        .containsExactly("fashion-mnist", "paging-a", "paging-b");

    List<String> created = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Session session = alice.createSession(
          SessionConfig.newBuilder()
              .setDataset(DatasetSpec.newBuilder().setName(uploaded.get(0)))
              .setAbl(AblConfig.newBuilder().setEpochs(200).setIsolationEpochs(100))
              .build(),
          -5);
      alice.cancelSession(session.getId());
      created.add(session.getId());
    }
    assertThat(alice.listSessions()).extracting(Session::getId).containsAll(created);

    for (String id : created) {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (alice.getSession(id).getState() != io.ablserve.v1.SessionState.SESSION_STATE_CANCELLED
          && System.nanoTime() < deadline) {
        Thread.sleep(50); // a running session stops within a training step
      }
      alice.deleteSession(id);
    }
    assertThat(alice.listSessions()).extracting(Session::getId).doesNotContainAnyElementsOf(created);
    assertThatThrownBy(() -> alice.deleteSession(created.get(0)))
        .isInstanceOfSatisfying(AblClientException.class,
            e -> assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void v2Config_roundTripsThroughTheServersEcho_andTheSessionReadsThroughV1_unsetLeftToTheServer()
      throws Exception {
    io.ablserve.v2.SessionConfig request =
        io.ablserve.v2.SessionConfig.newBuilder()
            .setTraining(io.ablserve.v2.Training.newBuilder().setEpochs(200))
            .setNad(io.ablserve.v2.AttentionDistillationDefense.getDefaultInstance())
            .setAttack(io.ablserve.v2.AttackSpec.newBuilder()
                .setWanet(io.ablserve.v2.WaNet.newBuilder().setGridSize(6)))
            .build();

    io.ablserve.v2.Session created = alice.createSession(request, 0);
    try {
      io.ablserve.v2.SessionConfig echo = created.getConfig();
      io.ablserve.v2.SessionConfig defaults = alice.sessionDefaults("nad");
      assertThat(echo.getNad()).isEqualTo(defaults.getNad()); // nothing set: all the server's defaults
      assertThat(echo.getTraining().getEpochs()).isEqualTo(200);
      assertThat(echo.getTraining().getBatchSize()).isEqualTo(defaults.getTraining().getBatchSize());
      assertThat(echo.getAttack().getWanet().getGridSize()).isEqualTo(6);
      assertThat(echo.getAttack().getWanet().hasStrength()).isTrue();
      assertThat(alice.getSessionV2(created.getId()).getConfig()).isEqualTo(echo);

      Session v1 = alice.getSession(created.getId());
      assertThat(v1.getConfig().getAbl().getDefense()).isEqualTo(io.ablserve.v1.Defense.DEFENSE_NAD);
      assertThat(v1.getConfig().getAttack().getWanetGridSize()).isEqualTo(6);
      assertThat(v1.getConfig().getNad()).isEqualTo(echo.getNad().getNad());
    } finally {
      alice.cancelSession(created.getId(), true);
    }
    assertThatThrownBy(() -> alice.sessionDefaults("plain"))
        .isInstanceOfSatisfying(AblClientException.class,
            e -> assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }
}
