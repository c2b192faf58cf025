package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.data.NpyFiles;
import io.ablserve.server.session.Trainer;
import io.ablserve.server.store.StoreModule;
import io.ablserve.server.testing.BearerToken;
import io.ablserve.server.testing.DatasetUploads;
import io.ablserve.server.testing.ModelSavingTrainer;
import io.ablserve.server.testing.MutableClock;
import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.CancelSessionRequest;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.Dataset;
import io.ablserve.v1.DatasetServiceGrpc;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.DatasetUploadMetadata;
import io.ablserve.v1.DeleteSessionRequest;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.ListDatasetsRequest;
import io.ablserve.v1.ListSessionsRequest;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.UploadFormat;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DeleteSession and the retention sweep, over the durable store and real files. */
class DeleteSessionTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String ALICE = "alice-token-0123456789";
  private static final String BOB = "bob-token-0123456789";
  private static final String ROOT = "root-token-0123456789";

  @TempDir Path dir;
  private Path tokens;
  private TestServer server;
  private ScriptedTrainer scripted;

  @BeforeEach
  void writeTokens() throws Exception {
    tokens = Files.writeString(
        dir.resolve("tokens"), ALICE + " alice\n" + BOB + " bob\n" + ROOT + " root admin\n");
  }

  @AfterEach
  void stop() throws Exception {
    if (scripted != null) {
      scripted.release();
    }
    if (server != null) {
      server.close();
    }
  }

  private ServerConfig config() {
    return TestServer.CONFIG.withDataDir(dir.resolve("data")).withTokenFile(tokens);
  }

  private TestServer start(Trainer trainer, ServerConfig config, Clock clock) throws Exception {
    server =
        TestServer.start(
            TestServer.Transport.IN_PROCESS, config, new TestingTrainingModule(trainer),
            new StoreModule(),
            new AbstractModule() {
              @Override
              protected void configure() {
                bind(Clock.class).toInstance(clock);
              }
            });
    return server;
  }

  private Session get(String token, String id) {
    return server.blockingAs(token)
        .getSession(GetSessionRequest.newBuilder().setSessionId(id).build());
  }

  private void delete(String token, String id) {
    server.blockingAs(token)
        .deleteSession(DeleteSessionRequest.newBuilder().setSessionId(id).build());
  }

  private List<Session> list(String token) {
    return server.blockingAs(token)
        .listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList();
  }

  private void awaitState(String id, SessionState state) throws InterruptedException {
    Poll.until(id + " to be " + state, WAIT, () -> get(ALICE, id).getState() == state);
  }

  private Path sessionFiles(String id) {
    return dir.resolve("data").resolve("sessions").resolve(id);
  }

  @Test
  void deleteSession_removesRecordEventsAndModel_forItsOwnerOnly_andStaysDeletedAfterRestart()
      throws Exception {
    start(new ModelSavingTrainer(), config(), Clock.systemUTC());
    String kept = server.createSession(ALICE, 2);
    String deleted = server.createSession(ALICE, 3);
    awaitState(kept, SessionState.SESSION_STATE_SUCCEEDED);
    awaitState(deleted, SessionState.SESSION_STATE_SUCCEEDED);
    assertThat(sessionFiles(deleted)).as("a saved model").isDirectory();

    ServiceTestBase.assertStatus(() -> delete(BOB, deleted), Status.Code.NOT_FOUND, deleted);
    assertThat(get(ALICE, deleted).getState()).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);

    delete(ALICE, deleted);
    ServiceTestBase.assertStatus(() -> get(ALICE, deleted), Status.Code.NOT_FOUND, deleted);
    ServiceTestBase.assertStatus(
        () -> server.blockingAs(ALICE)
            .watchSession(WatchSessionRequest.newBuilder().setSessionId(deleted).build())
            .hasNext(),
        Status.Code.NOT_FOUND, deleted);
    ServiceTestBase.assertStatus(() -> delete(ALICE, deleted), Status.Code.NOT_FOUND, deleted);
    assertThat(sessionFiles(deleted)).doesNotExist();
    assertThat(sessionFiles(kept)).isDirectory();
    assertThat(list(ALICE)).extracting(Session::getId).containsExactly(kept);

    server.close();
    start(new ScriptedTrainer(1, false), config(), Clock.systemUTC());
    assertThat(list(ROOT)).extracting(Session::getId).containsExactly(kept);
    ServiceTestBase.assertStatus(() -> get(ALICE, deleted), Status.Code.NOT_FOUND, deleted);
    assertThat(server.blockingAs(ALICE)
            .watchSession(WatchSessionRequest.newBuilder().setSessionId(kept).build())
            .hasNext())
        .as("the kept session's events are untouched")
        .isTrue();
  }

  @Test
  void deleteSession_refusesQueuedAndRunningSessions_untilCancelled_andAdminsMayDelete()
      throws Exception {
    scripted = new ScriptedTrainer(1, true);
    start(scripted, config(), Clock.systemUTC());
    String running = server.createSession(ALICE, 2);
    scripted.awaitStarted();
    String queued = server.createSession(ALICE, 3);

    ServiceTestBase.assertStatus(
        () -> delete(ALICE, running), Status.Code.FAILED_PRECONDITION, "cancel it before deleting");
    ServiceTestBase.assertStatus(
        () -> delete(ROOT, queued), Status.Code.FAILED_PRECONDITION, "is QUEUED");
    assertThat(list(ALICE)).hasSize(2);

    server.blockingAs(ALICE)
        .cancelSession(CancelSessionRequest.newBuilder().setSessionId(queued).build());
    delete(ALICE, queued);
    server.blockingAs(ALICE)
        .cancelSession(CancelSessionRequest.newBuilder().setSessionId(running).build());
    awaitState(running, SessionState.SESSION_STATE_CANCELLED);
    delete(ROOT, running);
    assertThat(list(ROOT)).isEmpty();
  }

  @Test
  void retention_deletesSessionsFinishedLongerAgo_andKeepsYoungerAndUnfinishedOnes()
      throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    scripted = new ScriptedTrainer(1, true);
    ServerConfig retaining =
        config().withApi(
            ServerConfig.DEFAULTS.api().withRetention(Duration.ofDays(7), Duration.ofMillis(50)));
    start(scripted, retaining, clock);

    String old = server.createSession(ALICE, 2);
    scripted.awaitStarted();
    scripted.release();
    awaitState(old, SessionState.SESSION_STATE_SUCCEEDED);
    clock.advance(Duration.ofDays(6));
    scripted = new ScriptedTrainer(1, true);
    // A new server over the same store, holding its sessions, so one stays RUNNING.
    server.close();
    start(scripted, retaining, clock);
    String young = server.createSession(ALICE, 3);
    scripted.awaitStarted();
    server.blockingAs(ALICE)
        .cancelSession(CancelSessionRequest.newBuilder().setSessionId(young).build());
    awaitState(young, SessionState.SESSION_STATE_CANCELLED);
    String running = server.createSession(ALICE, 4);
    scripted.awaitStarted();
    assertThat(list(ALICE)).hasSize(3);

    clock.advance(Duration.ofDays(2)); // old finished 8 days ago, young 2 days ago
    Poll.until("the old session to be swept", WAIT, () -> list(ALICE).size() == 2);
    assertThat(list(ALICE)).extracting(Session::getId).containsExactly(running, young);
    assertThat(sessionFiles(old)).doesNotExist();

    clock.advance(Duration.ofDays(30));
    Poll.until("the young session to be swept", WAIT, () -> list(ALICE).size() == 1);
    assertThat(get(ALICE, running).getState())
        .as("a running session is never swept")
        .isEqualTo(SessionState.SESSION_STATE_RUNNING);
  }

  @Test
  void retention_deletesOldUnusedUploads_andKeepsOldOnesAKeptSessionUses() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    ServerConfig retaining =
        config().withApi(
            ServerConfig.DEFAULTS.api().withRetention(Duration.ofDays(7), Duration.ofMillis(50)));
    start(new ScriptedTrainer(1, false), retaining, clock);
    Dataset unused = upload(ALICE);
    Dataset used = upload(ALICE);

    clock.advance(Duration.ofDays(6));
    String session =
        server.blockingAs(ALICE)
            .createSession(
                CreateSessionRequest.newBuilder()
                    .setConfig(
                        SessionConfig.newBuilder()
                            .setDataset(DatasetSpec.newBuilder().setName(used.getId()))
                            .setAttack(AttackSpec.newBuilder().setTargetLabel(2)))
                    .build())
            .getId();
    awaitState(session, SessionState.SESSION_STATE_SUCCEEDED);

    clock.advance(Duration.ofDays(2)); // both uploads are 8 days old, the session finished 2 days ago
    Poll.until("the unused upload to be swept", WAIT, () -> datasets(ALICE).size() == 1);
    assertThat(datasets(ALICE)).extracting(Dataset::getId).containsExactly(used.getId());
    assertThat(uploadFiles(unused.getId())).doesNotExist();
    assertThat(uploadFiles(used.getId())).isDirectory();
    assertThat(list(ALICE)).extracting(Session::getId).containsExactly(session);

    clock.advance(Duration.ofDays(6)); // the session is swept, then the upload only it used
    Poll.until("the session and its upload to be swept", WAIT, () -> datasets(ALICE).isEmpty());
    assertThat(list(ALICE)).isEmpty();
    assertThat(uploadFiles(used.getId())).doesNotExist();
  }

  private List<Dataset> datasets(String token) {
    return DatasetServiceGrpc.newBlockingStub(server.channel())
        .withCallCredentials(new BearerToken(token))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .listDatasets(ListDatasetsRequest.getDefaultInstance())
        .getDatasetsList();
  }

  private Path uploadFiles(String id) {
    return dir.resolve("data").resolve("datasets").resolve(id);
  }

  /** Uploads, as {@code token}'s user, an npz of 6 train and 3 test 8x8 grey images of 3 classes. */
  private Dataset upload(String token) throws Exception {
    Path file = Files.createTempFile(dir, "upload", ".npz");
    Map<String, byte[]> members = new LinkedHashMap<>();
    members.put("x_train", NpyFiles.npy("|u1", new long[] {6, 8, 8}, new byte[6 * 64]));
    members.put("y_train", NpyFiles.labels("|u1", new long[] {6}, 0, 1, 2, 0, 1, 2));
    members.put("x_test", NpyFiles.npy("|u1", new long[] {3, 8, 8}, new byte[3 * 64]));
    members.put("y_test", NpyFiles.labels("|u1", new long[] {3}, 0, 1, 2));
    NpyFiles.writeNpz(file, members, true);
    byte[] bytes = Files.readAllBytes(file);
    return DatasetUploads.upload(
        DatasetServiceGrpc.newStub(server.channel()).withCallCredentials(new BearerToken(token)),
        DatasetUploadMetadata.newBuilder()
            .setName("retention test set")
            .setFormat(UploadFormat.UPLOAD_FORMAT_NPZ)
            .setTotalBytes(bytes.length)
            .setSha256(DatasetUploads.sha256(bytes))
            .build(),
        bytes,
        4096);
  }
}
