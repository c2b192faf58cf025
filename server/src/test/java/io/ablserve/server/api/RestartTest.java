package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.config.ResumeInterrupted;
import io.ablserve.server.store.StoreModule;
import io.ablserve.server.testing.BearerToken;
import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.ServerProcess;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.ListSessionsRequest;
import io.ablserve.v1.ResumeSessionRequest;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durable store across a real crash: a server process killed with SIGKILL mid-training, then a new
 * server over the same data folder.
 */
class RestartTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dataDir;

  @Test
  void killedServer_leavesRunningSessionInterruptedQueuedOnesRequeuedAndResumable() throws Exception {
    String running;
    String queued1;
    String queued2;
    List<SessionEvent> beforeCrash;
    try (ServerProcess crashing =
        ServerProcess.start("--port", "0", "--data-dir", dataDir.toString())) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", crashing.port()).usePlaintext().build();
      try {
        SessionServiceGrpc.SessionServiceBlockingStub stub = stub(channel);
        // Real ABL on the full Fashion-MNIST: far from done when the process is killed.
        running = create(stub, "running");
        Poll.until("the real run to report its first phase", WAIT,
            () -> watch(stub, running, 0, false).size() >= 3);
        queued1 = create(stub, "queued-1");
        queued2 = create(stub, "queued-2");
        beforeCrash = watch(stub, running, 0, false);
      } finally {
        channel.shutdownNow();
      }
      crashing.kill();
    }

    ScriptedTrainer trainer = new ScriptedTrainer(2, true);
    try (TestServer restarted = durable(trainer)) {
      SessionServiceGrpc.SessionServiceBlockingStub stub = restarted.blocking();
      assertThat(list(stub)).extracting(Session::getId).containsExactly(queued2, queued1, running);

      Session interrupted = get(stub, running);
      assertThat(interrupted.getState()).isEqualTo(SessionState.SESSION_STATE_INTERRUPTED);
      List<SessionEvent> afterCrash = watch(stub, running, 0, true);
      assertThat(afterCrash.subList(0, beforeCrash.size())).isEqualTo(beforeCrash);
      assertGapFree(afterCrash);
      assertThat(ServiceTestBase.lastState(afterCrash))
          .isEqualTo(SessionState.SESSION_STATE_INTERRUPTED);

      // The queue comes back in its order: the first queued session trains, the second waits.
      assertThat(trainer.awaitStarted().dataset().trainLimit()).isEqualTo(2);
      assertThat(get(stub, queued1).getState()).isEqualTo(SessionState.SESSION_STATE_RUNNING);
      assertThat(get(stub, queued2).getState()).isEqualTo(SessionState.SESSION_STATE_QUEUED);
      assertThat(get(stub, queued2).getQueuePosition()).isZero();

      // A bad request changes nothing stored.
      ServiceTestBase.assertStatus(
          () -> stub.createSession(CreateSessionRequest.newBuilder()
              .setConfig(SessionConfig.newBuilder()
                  .setAbl(AblConfig.newBuilder().setLearningRate(-1)))
              .build()),
          Status.Code.INVALID_ARGUMENT, "learning_rate");
      ServiceTestBase.assertStatus(
          () -> resume(stub, queued2), Status.Code.FAILED_PRECONDITION, "only INTERRUPTED");
      assertThat(list(stub)).hasSize(3);

      Session resumed = resume(stub, running);
      assertThat(resumed.getState()).isEqualTo(SessionState.SESSION_STATE_QUEUED);
      assertThat(resumed.getEpoch()).isZero();
      trainer.release();
      List<SessionEvent> rerun = watch(stub, running, 0, true); // follows past the INTERRUPTED event
      assertIncreasing(rerun);
      // Killed before its first checkpoint, the run restarts from epoch 0: what it had logged but its
      // state changes is superseded by the rerun's telemetry.
      List<SessionEvent> kept = afterCrash.stream().filter(SessionEvent::hasState).toList();
      assertThat(rerun.subList(0, kept.size())).isEqualTo(kept);
      SessionEvent requeued = rerun.get(kept.size());
      assertThat(requeued.getSequence()).isEqualTo(afterCrash.size());
      assertThat(requeued.getState().getState()).isEqualTo(SessionState.SESSION_STATE_QUEUED);
      assertThat(requeued.getState().getReason()).contains("epoch 0");
      assertThat(ServiceTestBase.lastState(rerun)).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
      for (String id : List.of(queued1, queued2)) {
        Poll.until(id + " to succeed", WAIT,
            () -> get(stub, id).getState() == SessionState.SESSION_STATE_SUCCEEDED);
      }
    }

    try (TestServer again = durable(new ScriptedTrainer(1, false))) {
      SessionServiceGrpc.SessionServiceBlockingStub stub = again.blocking();
      assertThat(list(stub))
          .extracting(Session::getState)
          .containsOnly(SessionState.SESSION_STATE_SUCCEEDED);
      List<SessionEvent> stored = watch(stub, running, 0, true);
      assertIncreasing(stored);
      assertThat(ServiceTestBase.lastState(stored)).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
    }
  }

  @Test
  void gracefulStop_keepsQueuedSessionsQueuedForTheNextStart() throws Exception {
    String queued;
    ScriptedTrainer holding = new ScriptedTrainer(1, true);
    try (TestServer first = durable(holding)) {
      create(first.blocking(), "running");
      holding.awaitStarted();
      queued = create(first.blocking(), "queued");
    }
    ScriptedTrainer next = new ScriptedTrainer(1, false);
    try (TestServer second = durable(next)) {
      Poll.until("the queued session to succeed", WAIT,
          () -> get(second.blocking(), queued).getState() == SessionState.SESSION_STATE_SUCCEEDED);
      List<SessionEvent> events = watch(second.blocking(), queued, 0, true);
      assertGapFree(events);
      assertThat(events).extracting(e -> e.getState().getState())
          .startsWith(SessionState.SESSION_STATE_QUEUED, SessionState.SESSION_STATE_RUNNING);
    }
  }

  @Test
  void gracefulStop_keepsQueuedPrioritiesAndOrderForTheNextStart() throws Exception {
    String low;
    String first;
    String high;
    String second;
    ScriptedTrainer holding = new ScriptedTrainer(1, true);
    try (TestServer before = durable(holding)) {
      SessionServiceGrpc.SessionServiceBlockingStub stub = before.blocking();
      create(stub, "running");
      holding.awaitStarted();
      low = create(stub, 5, -3);
      first = create(stub, 2, 0);
      high = create(stub, 3, 7);
      second = create(stub, 4, 0);
    }

    ScriptedTrainer next = new ScriptedTrainer(1, true);
    try (TestServer after = durable(next)) {
      SessionServiceGrpc.SessionServiceBlockingStub stub = after.blocking();
      assertThat(next.awaitStarted().dataset().trainLimit()).isEqualTo(3);
      assertThat(get(stub, high).getState()).isEqualTo(SessionState.SESSION_STATE_RUNNING);
      assertThat(List.of(first, second, low))
          .extracting(id -> get(stub, id).getQueuePosition())
          .containsExactly(0, 1, 2);
      assertThat(List.of(low, first, high, second))
          .extracting(id -> get(stub, id).getPriority())
          .containsExactly(-3, 0, 7, 0);

      next.release();
      List<Integer> rest = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        rest.add(next.awaitStarted().dataset().trainLimit());
      }
      assertThat(rest).containsExactly(2, 4, 5);
    }
  }

  @Test
  void restart_queuesAgainAboveALoweredPerUserLimit_whileResumeCountsAgainstIt() throws Exception {
    Path tokens = Files.writeString(dataDir.resolve("tokens"), ALICE + " alice\n");
    String running;
    List<String> queued = new ArrayList<>();
    ScriptedTrainer holding = new ScriptedTrainer(1, true);
    try (TestServer before = durable(holding, tokens, 3)) {
      SessionServiceGrpc.SessionServiceBlockingStub alice = asAlice(before);
      running = create(alice, "running");
      holding.awaitStarted();
      for (int limit = 2; limit <= 4; limit++) {
        queued.add(create(alice, limit, 0));
      }
    }

    ScriptedTrainer next = new ScriptedTrainer(1, true);
    try (TestServer after = durable(next, tokens, 1)) {
      SessionServiceGrpc.SessionServiceBlockingStub alice = asAlice(after);
      next.awaitStarted();
      assertThat(queued)
          .extracting(id -> get(alice, id).getState())
          .as("all three come back, though alice may now queue one")
          .containsExactly(SessionState.SESSION_STATE_RUNNING, SessionState.SESSION_STATE_QUEUED,
              SessionState.SESSION_STATE_QUEUED);
      ServiceTestBase.assertStatus(() -> create(alice, 9, 0), Status.Code.RESOURCE_EXHAUSTED,
          "user 'alice' already has 1 sessions queued");
      ServiceTestBase.assertStatus(() -> resume(alice, running), Status.Code.RESOURCE_EXHAUSTED,
          "user 'alice'");
      assertThat(get(alice, running).getState()).isEqualTo(SessionState.SESSION_STATE_INTERRUPTED);
      assertThat(list(alice)).hasSize(4);

      next.release();
      for (String id : queued) {
        Poll.until(id + " to succeed", WAIT,
            () -> get(alice, id).getState() == SessionState.SESSION_STATE_SUCCEEDED);
      }
      assertThat(resume(alice, running).getState())
          .as("with nothing queued, the resume is taken (the idle, released trainer may start it, and"
              + " even finish it, before the reply is written)")
          .isIn(SessionState.SESSION_STATE_QUEUED, SessionState.SESSION_STATE_RUNNING,
              SessionState.SESSION_STATE_SUCCEEDED);
    }
  }

  private static final String ALICE = "alice-token-0123456789";

  private TestServer durable(ScriptedTrainer trainer, Path tokens, int maxQueuedPerUser)
      throws Exception {
    return TestServer.start(
        TestServer.Transport.IN_PROCESS,
        TestServer.CONFIG.withDataDir(dataDir).withResumeInterrupted(ResumeInterrupted.MANUAL)
            .withTokenFile(tokens).withMaxQueuedPerUser(maxQueuedPerUser),
        new TestingTrainingModule(trainer),
        new StoreModule());
  }

  private static SessionServiceGrpc.SessionServiceBlockingStub asAlice(TestServer server) {
    return server.blocking().withCallCredentials(new BearerToken(ALICE));
  }

  private TestServer durable(ScriptedTrainer trainer) throws Exception {
    return TestServer.start(
        TestServer.Transport.IN_PROCESS,
        TestServer.CONFIG.withDataDir(dataDir).withResumeInterrupted(ResumeInterrupted.MANUAL),
        new TestingTrainingModule(trainer),
        new StoreModule());
  }

  private static void assertGapFree(List<SessionEvent> events) {
    assertThat(events)
        .extracting(SessionEvent::getSequence)
        .containsExactlyElementsOf(LongStream.range(0, events.size()).boxed().toList());
  }

  /** Sequences of a resumed session's log: in order, without those its rerun superseded. */
  private static void assertIncreasing(List<SessionEvent> events) {
    assertThat(events).extracting(SessionEvent::getSequence).isSorted().doesNotHaveDuplicates();
  }

  private static SessionServiceGrpc.SessionServiceBlockingStub stub(ManagedChannel channel) {
    return SessionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private static String create(SessionServiceGrpc.SessionServiceBlockingStub stub, String name) {
    // train_limit 2 marks the queued sessions apart from the real run, for the scripted trainer (ABL
    // needs at least 2 images).
    SessionConfig.Builder config = SessionConfig.newBuilder().setDisplayName(name);
    if (!name.equals("running")) {
      config.getDatasetBuilder().setTrainLimit(2);
    }
    return stub.createSession(CreateSessionRequest.newBuilder().setConfig(config).build()).getId();
  }

  /** A queued session told apart by its {@code trainLimit}, at {@code priority}. */
  private static String create(
      SessionServiceGrpc.SessionServiceBlockingStub stub, int trainLimit, int priority) {
    SessionConfig.Builder config = SessionConfig.newBuilder();
    config.getDatasetBuilder().setTrainLimit(trainLimit);
    return stub.createSession(
            CreateSessionRequest.newBuilder().setConfig(config).setPriority(priority).build())
        .getId();
  }

  private static Session get(SessionServiceGrpc.SessionServiceBlockingStub stub, String id) {
    return stub.getSession(GetSessionRequest.newBuilder().setSessionId(id).build());
  }

  private static Session resume(SessionServiceGrpc.SessionServiceBlockingStub stub, String id) {
    return stub.resumeSession(ResumeSessionRequest.newBuilder().setSessionId(id).build());
  }

  private static List<Session> list(SessionServiceGrpc.SessionServiceBlockingStub stub) {
    return stub.listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList();
  }

  private static List<SessionEvent> watch(
      SessionServiceGrpc.SessionServiceBlockingStub stub, String id, long from, boolean follow) {
    List<SessionEvent> events = new ArrayList<>();
    stub.watchSession(
            WatchSessionRequest.newBuilder()
                .setSessionId(id).setFromSequence(from).setFollow(follow).build())
        .forEachRemaining(events::add);
    return events;
  }
}
