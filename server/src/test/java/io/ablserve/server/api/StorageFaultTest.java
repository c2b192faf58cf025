package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.config.ResumeInterrupted;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.session.Trainer;
import io.ablserve.server.store.StoreModule;
import io.ablserve.server.testing.DatasetUploads;
import io.ablserve.server.testing.FaultyStoreModule;
import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.server.train.DefenseState;
import io.ablserve.server.train.Phase;
import io.ablserve.server.train.TrainingCancelledException;
import io.ablserve.server.train.TrainingState;
import io.ablserve.server.train.Verdict;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.Dataset;
import io.ablserve.v1.DatasetServiceGrpc;
import io.ablserve.v1.DatasetUploadMetadata;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.ResumeSessionRequest;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.UploadFormat;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage faults on a real server over Netty and real SQLite: a full disk injected above the store
 * (SQLITE_FULL on demand), a checkpoint that cannot be written, a read-only data directory and a disk below
 * the free-space floor. The rule under test: the state a client is told is the state a restart acts on.
 */
class StorageFaultTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dataDir;

  private final FaultyStoreModule.Fault fault = new FaultyStoreModule.Fault();

  @Test
  void fullStoreWhileTraining_endsTheSessionInterrupted_andTheTrainerRunsTheNextOnceItHeals()
      throws Exception {
    ScriptedTrainer trainer = new ScriptedTrainer(3, true);
    String a;
    String b;
    try (TestServer server = faulty(trainer)) {
      SessionServiceGrpc.SessionServiceBlockingStub stub = server.blocking();
      a = create(stub).getId();
      trainer.awaitStarted();
      b = create(stub).getId();
      EventCollector watcher = new EventCollector();
      server.async().watchSession(
          WatchSessionRequest.newBuilder().setSessionId(a).setFollow(true).build(), watcher);

      fault.failNext(FaultyStoreModule.Fault.ALWAYS);
      trainer.release();

      // The watcher ends (it used to hang) on a state the next process will honour: INTERRUPTED.
      List<SessionEvent> seen = watcher.awaitCompleted();
      assertThat(ServiceTestBase.lastState(seen)).isEqualTo(SessionState.SESSION_STATE_INTERRUPTED);
      assertThat(seen.get(seen.size() - 1).getState().getReason())
          .contains("SQLITE_FULL")
          .contains("last checkpoint when resumed");
      assertThat(get(stub, a).getState()).isEqualTo(SessionState.SESSION_STATE_INTERRUPTED);
      awaitHealth(server, ServingStatus.NOT_SERVING);
      ServiceTestBase.assertStatus(() -> create(stub), Status.Code.UNAVAILABLE, "SQLITE_FULL");
      // The next session waits for the store instead of failing for it.
      assertThat(get(stub, b).getState()).isEqualTo(SessionState.SESSION_STATE_QUEUED);
      assertThat(get(stub, b).getQueuePosition()).isZero();

      fault.heal();
      awaitHealth(server, ServingStatus.SERVING);
      trainer.awaitStarted();
      Poll.until(b + " to succeed", WAIT,
          () -> get(stub, b).getState() == SessionState.SESSION_STATE_SUCCEEDED);
      Poll.until(a + " to be stored INTERRUPTED", WAIT,
          () -> fault.real().find(a).orElseThrow().getState()
              == SessionState.SESSION_STATE_INTERRUPTED);
      assertThat(watch(stub, a)).isEqualTo(fault.real().readEvents(a, 0, 1000)).isEqualTo(seen);
    }

    // A restart (auto-resume on) leaves it INTERRUPTED, as told; resuming it trains it to the end.
    ScriptedTrainer after = new ScriptedTrainer(1, false);
    try (TestServer server = durable(after)) {
      SessionServiceGrpc.SessionServiceBlockingStub stub = server.blocking();
      assertThat(get(stub, a).getState()).isEqualTo(SessionState.SESSION_STATE_INTERRUPTED);
      assertThat(get(stub, b).getState()).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
      stub.resumeSession(ResumeSessionRequest.newBuilder().setSessionId(a).build());
      Poll.until(a + " to succeed", WAIT,
          () -> get(stub, a).getState() == SessionState.SESSION_STATE_SUCCEEDED);
    }
  }

  @Test
  void storeFailingAsASessionStarts_interruptsIt_andTheTrainerThreadRunsTheNext() throws Exception {
    ScriptedTrainer trainer = new ScriptedTrainer(1, true);
    try (TestServer server = faulty(trainer)) {
      SessionServiceGrpc.SessionServiceBlockingStub stub = server.blocking();
      String first = create(stub).getId();
      trainer.awaitStarted();
      String a = create(stub).getId();
      String b = create(stub).getId();

      fault.failFromNextStart(); // a's RUNNING is the write that fails
      trainer.release();

      Poll.until(a + " to end", WAIT,
          () -> get(stub, a).getState() == SessionState.SESSION_STATE_INTERRUPTED);
      assertThat(get(stub, first).getState()).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
      assertThat(watch(stub, a).get(watch(stub, a).size() - 1).getState().getReason())
          .contains("SQLITE_FULL");
      assertThat(get(stub, a).hasStartedAt()).as("it never ran").isFalse();
      awaitHealth(server, ServingStatus.NOT_SERVING);
      assertThat(get(stub, b).getState()).isEqualTo(SessionState.SESSION_STATE_QUEUED);

      fault.heal();
      awaitHealth(server, ServingStatus.SERVING);
      Poll.until(b + " to succeed on the same trainer thread", WAIT,
          () -> get(stub, b).getState() == SessionState.SESSION_STATE_SUCCEEDED);
      Poll.until(a + " stored INTERRUPTED", WAIT,
          () -> fault.real().find(a).orElseThrow().getState()
              == SessionState.SESSION_STATE_INTERRUPTED);
    }
  }

  @Test
  void oneFailedWrite_failsTheSessionDurably_soARestartDoesNotResumeIt() throws Exception {
    ScriptedTrainer trainer = new ScriptedTrainer(3, true);
    String a;
    String b;
    try (TestServer server = faulty(trainer)) {
      SessionServiceGrpc.SessionServiceBlockingStub stub = server.blocking();
      a = create(stub).getId();
      trainer.awaitStarted();
      b = create(stub).getId();
      EventCollector watcher = new EventCollector();
      server.async().watchSession(
          WatchSessionRequest.newBuilder().setSessionId(a).setFollow(true).build(), watcher);

      fault.failNext(1); // the run's next event; FAILED is stored after it
      trainer.release();

      List<SessionEvent> seen = watcher.awaitCompleted();
      assertThat(ServiceTestBase.lastState(seen)).isEqualTo(SessionState.SESSION_STATE_FAILED);
      Session failed = get(stub, a);
      assertThat(failed.getState()).isEqualTo(SessionState.SESSION_STATE_FAILED);
      assertThat(failed.getFailureReason()).contains("session store failed").contains("SQLITE_FULL");
      assertThat(fault.real().find(a).orElseThrow()).isEqualTo(failed);
      // The trainer thread survived: the next session trains.
      trainer.awaitStarted();
      Poll.until(b + " to succeed", WAIT,
          () -> get(stub, b).getState() == SessionState.SESSION_STATE_SUCCEEDED);
      awaitHealth(server, ServingStatus.SERVING);
    }

    try (TestServer server = durable(new ScriptedTrainer(1, false))) {
      SessionServiceGrpc.SessionServiceBlockingStub stub = server.blocking();
      assertThat(get(stub, a).getState()).isEqualTo(SessionState.SESSION_STATE_FAILED);
      assertThat(get(stub, b).getState()).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
    }
  }

  @Test
  void checkpointThatCannotBeWritten_failsTheSessionAtOnce() throws Exception {
    // A file where the sessions folder belongs: no checkpoint can be written, even by root.
    Files.writeString(dataDir.resolve("sessions"), "in the way");
    Trainer checkpointing = (experiment, device, listener, cancelled, checkpoints, sink) -> {
      listener.onPhase(Phase.ISOLATION, 0);
      try {
        checkpoints.save(new TrainingState(
            0, Phase.ISOLATION, 1, 0, 0, 0.5, 0.5, new double[0], Verdict.NOT_TESTED, new byte[1], new byte[1],
            DefenseState.EMPTY));
      } catch (java.io.IOException e) {
        // as AblTrainer: a failed checkpoint is logged and training goes on, until cancelled
      }
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!cancelled.getAsBoolean() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      throw new TrainingCancelledException(0, 0);
    };
    try (TestServer server =
        TestServer.start(
            TestServer.Transport.NETTY, TestServer.CONFIG.withDataDir(dataDir),
            new TestingTrainingModule(checkpointing))) {
      SessionServiceGrpc.SessionServiceBlockingStub stub = server.blocking();
      String id = create(stub).getId();
      Poll.until(id + " to fail", WAIT,
          () -> get(stub, id).getState() == SessionState.SESSION_STATE_FAILED);
      assertThat(get(stub, id).getFailureReason())
          .contains("checkpoint after epoch 0 could not be written");
    }
  }

  @Test
  void readOnlyDataDir_refusesNewSessionsAndUploads() throws Exception {
    try (TestServer server = durable(new ScriptedTrainer(1, false))) {
      Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("r-x------"));
      try {
        Assumptions.assumeFalse(Files.isWritable(dataDir), "root writes to read-only folders");
        ServiceTestBase.assertStatus(
            () -> create(server.blocking()), Status.Code.FAILED_PRECONDITION,
            "data directory is not writable");
        ServiceTestBase.assertStatus(
            () -> upload(server, 1000), Status.Code.FAILED_PRECONDITION,
            "data directory is not writable");
      } finally {
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
      }
    }
  }

  @Test
  void freeSpaceBelowTheFloor_refusesNewSessionsAndUploads() throws Exception {
    long free = Files.getFileStore(dataDir).getUsableSpace();
    ServerConfig config = TestServer.CONFIG.withDataDir(dataDir).withMinFreeBytes(free + (1L << 40));
    try (TestServer server =
        TestServer.start(
            TestServer.Transport.NETTY, config, new TestingTrainingModule(new ScriptedTrainer(1, false)),
            new StoreModule())) {
      ServiceTestBase.assertStatus(
          () -> create(server.blocking()), Status.Code.RESOURCE_EXHAUSTED, "below the floor of");
      // A config that could never run says so, not that the disk is full (found by bench/soak.sh).
      SessionConfig.Builder invalid = SessionConfig.newBuilder().setDisplayName("x".repeat(10_000));
      ServiceTestBase.assertStatus(
          () -> server.blocking().createSession(
              CreateSessionRequest.newBuilder().setConfig(invalid).build()),
          Status.Code.INVALID_ARGUMENT, "display_name");
      ServiceTestBase.assertStatus(
          () -> upload(server, 1000), Status.Code.RESOURCE_EXHAUSTED, "--min-free-bytes");
    }
  }

  @Test
  void filesTheServerCreates_areTheOwnersAlone() throws Exception {
    Path data = dataDir.resolve("data");
    java.util.concurrent.CountDownLatch saved = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Trainer checkpointing = (experiment, device, listener, cancelled, checkpoints, sink) -> {
      listener.onPhase(Phase.ISOLATION, 0);
      checkpoints.save(new TrainingState(
          0, Phase.ISOLATION, 1, 0, 0, 0.5, 0.5, new double[0], Verdict.NOT_TESTED, new byte[1], new byte[1],
          DefenseState.EMPTY));
      saved.countDown();
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return ScriptedTrainer.OUTCOME;
    };
    try (TestServer server =
        TestServer.start(
            TestServer.Transport.NETTY, TestServer.CONFIG.withDataDir(data),
            new TestingTrainingModule(checkpointing), new StoreModule())) {
      Assumptions.assumeTrue(
          Files.getFileStore(data).supportsFileAttributeView("posix"), "POSIX permissions");
      create(server.blocking());
      assertThat(saved.await(20, TimeUnit.SECONDS)).isTrue();
      List<Path> all;
      try (java.util.stream.Stream<Path> walk = Files.walk(data)) {
        all = walk.toList();
      }
      assertThat(all).extracting(p -> data.relativize(p).toString().replace('\\', '/'))
          .contains("", "ablserve.db", "datasets", "datasets/.incoming", "sessions")
          .anyMatch(p -> p.matches("sessions/.*/checkpoint/000000/parameters.bin"));
      for (Path p : all) {
        String expected = Files.isDirectory(p) ? "rwx------" : "rw-------";
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
            .as("permissions of %s", data.relativize(p))
            .isEqualTo(expected);
      }
    } finally {
      release.countDown();
    }
  }

  private TestServer faulty(ScriptedTrainer trainer) throws Exception {
    return TestServer.start(
        TestServer.Transport.NETTY,
        TestServer.CONFIG.withDataDir(dataDir).withResumeInterrupted(ResumeInterrupted.AUTO),
        new TestingTrainingModule(trainer),
        FaultyStoreModule.of(fault));
  }

  private TestServer durable(ScriptedTrainer trainer) throws Exception {
    return TestServer.start(
        TestServer.Transport.NETTY,
        TestServer.CONFIG.withDataDir(dataDir).withResumeInterrupted(ResumeInterrupted.AUTO),
        new TestingTrainingModule(trainer),
        new StoreModule());
  }

  private static Session create(SessionServiceGrpc.SessionServiceBlockingStub stub) {
    SessionConfig.Builder config = SessionConfig.newBuilder().setDisplayName("storage");
    config.getDatasetBuilder().setTrainLimit(2);
    return stub.createSession(CreateSessionRequest.newBuilder().setConfig(config).build());
  }

  private static Session get(SessionServiceGrpc.SessionServiceBlockingStub stub, String id) {
    return stub.getSession(GetSessionRequest.newBuilder().setSessionId(id).build());
  }

  private static List<SessionEvent> watch(SessionServiceGrpc.SessionServiceBlockingStub stub, String id) {
    List<SessionEvent> events = new ArrayList<>();
    stub.watchSession(WatchSessionRequest.newBuilder().setSessionId(id).build())
        .forEachRemaining(events::add);
    return events;
  }

  /** Waits for the server's status; each service's, asked by name, follows the same store. */
  private static void awaitHealth(TestServer server, ServingStatus status) throws InterruptedException {
    for (String service : List.of("", SessionServiceGrpc.SERVICE_NAME, DatasetServiceGrpc.SERVICE_NAME)) {
      Poll.until("health of '" + service + "' " + status, WAIT,
          () -> AblServerTest.health(server, service) == status);
    }
  }

  /** Starts an upload of {@code totalBytes} and ends it at once; the server answers the metadata. */
  private static Dataset upload(TestServer server, long totalBytes) throws Exception {
    return DatasetUploads.upload(
        DatasetServiceGrpc.newStub(server.channel()),
        DatasetUploadMetadata.newBuilder()
            .setName("storage")
            .setFormat(UploadFormat.UPLOAD_FORMAT_NPZ)
            .setTotalBytes(totalBytes)
            .setSha256("0".repeat(64))
            .build(),
        new byte[0],
        1);
  }
}
