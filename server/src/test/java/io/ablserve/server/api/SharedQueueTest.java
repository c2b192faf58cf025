package io.ablserve.server.api;

import static io.ablserve.server.api.ServiceTestBase.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Timestamps;
import io.ablserve.server.TrainingModule;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.store.StoreModule;
import io.ablserve.server.testing.BearerToken;
import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.TestServer;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.CancelSessionRequest;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.ListSessionsRequest;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionServiceGrpc.SessionServiceBlockingStub;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One server shared by three users, as a lab runs it: a token file, the durable store, the Netty
 * transport and real ABL training on a few hundred Fashion-MNIST images per session.
 */
@Tag("training")
class SharedQueueTest {
  private static final String ALICE = "alice-token-0123456789";
  private static final String BOB = "bob-token-0123456789";
  private static final String ROOT = "root-token-0123456789";
  private static final Duration WAIT = Duration.ofMinutes(5);

  @TempDir Path dir;
  private TestServer server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private void start(int maxQueuedPerUser) throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, ALICE + " alice\n" + BOB + " bob\n" + ROOT + " root admin\n");
    ServerConfig config =
        TestServer.CONFIG
            .withDataDir(dir.resolve("data"))
            .withTokenFile(tokens)
            .withMaxQueuedPerUser(maxQueuedPerUser);
    server =
        TestServer.start(
            TestServer.Transport.NETTY, config, new TrainingModule(), new StoreModule());
  }

  private SessionServiceBlockingStub as(String token) {
    return SessionServiceGrpc.newBlockingStub(server.channel())
        .withCallCredentials(new BearerToken(token))
        .withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  /** Seconds of training each: a few hundred images, one isolation and one unlearning epoch. */
  private static SessionConfig tiny(String name) {
    return SessionConfig.newBuilder()
        .setDisplayName(name)
        .setDataset(DatasetSpec.newBuilder().setTrainLimit(400).setTestLimit(100))
        .setAbl(AblConfig.newBuilder().setEpochs(2).setIsolationEpochs(1).setBatchSize(64))
        .setSeed(5)
        .build();
  }

  /** Minutes of training: it holds the trainer until cancelled. */
  private static SessionConfig long_(String name) {
    return SessionConfig.newBuilder()
        .setDisplayName(name)
        .setDataset(DatasetSpec.newBuilder().setTrainLimit(2000).setTestLimit(100))
        .setAbl(AblConfig.newBuilder().setEpochs(50).setIsolationEpochs(25).setBatchSize(64))
        .build();
  }

  private static Session create(SessionServiceBlockingStub stub, SessionConfig config, int priority) {
    return stub.createSession(
        CreateSessionRequest.newBuilder().setConfig(config).setPriority(priority).build());
  }

  private Session get(String id) {
    return as(ROOT).getSession(GetSessionRequest.newBuilder().setSessionId(id).build());
  }

  private List<SessionEvent> watch(String id) {
    List<SessionEvent> events = new ArrayList<>();
    as(ROOT)
        .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
        .watchSession(WatchSessionRequest.newBuilder().setSessionId(id).setFollow(true).build())
        .forEachRemaining(events::add);
    return events;
  }

  @Test
  void sharedQueue_trainsByPriorityWithinEachUsersLimitAndCancelsQueuedAndRunning()
      throws Exception {
    start(2);
    SessionServiceBlockingStub alice = as(ALICE);
    SessionServiceBlockingStub bob = as(BOB);
    SessionServiceBlockingStub root = as(ROOT);
    Session blocker = create(alice, long_("blocker"), 0);
    Poll.until("the blocker to train", WAIT,
        () -> get(blocker.getId()).getState() == SessionState.SESSION_STATE_RUNNING);

    Session aliceLow = create(alice, tiny("alice-low"), -5);
    Session aliceHigh = create(alice, tiny("alice-high"), 10);
    assertStatus(() -> create(alice, tiny("alice-third"), 100), Status.Code.RESOURCE_EXHAUSTED,
        "user 'alice' already has 2 sessions queued");
    Session bobMid = create(bob, tiny("bob-mid"), 5); // alice's limit leaves bob unaffected
    Session bobZero = create(bob, tiny("bob-zero"), 0);
    Session rootMid = create(root, tiny("root-mid"), 5); // behind bob-mid: same priority, later
    Session rootExtra = create(root, tiny("root-extra"), 0);
    assertStatus(() -> create(root, tiny("root-third"), 0), Status.Code.RESOURCE_EXHAUSTED,
        "user 'root' already has 2 sessions queued"); // admins too
    assertStatus(() -> create(bob, tiny("bob-too-high"), 101), Status.Code.INVALID_ARGUMENT,
        "priority must be in [-100, 100], got 101");

    assertThat(aliceHigh.getPriority()).isEqualTo(10);
    assertThat(List.of(aliceHigh, bobMid, rootMid, bobZero, rootExtra, aliceLow))
        .extracting(s -> get(s.getId()).getQueuePosition())
        .containsExactly(0, 1, 2, 3, 4, 5);
    assertThat(bob.getSession(GetSessionRequest.newBuilder().setSessionId(bobZero.getId()).build())
            .getQueuePosition())
        .as("positions count every user's sessions, also for a user who sees only their own")
        .isEqualTo(3);

    Session cancelledQueued =
        root.cancelSession(CancelSessionRequest.newBuilder().setSessionId(rootExtra.getId()).build());
    assertThat(cancelledQueued.getState()).isEqualTo(SessionState.SESSION_STATE_CANCELLED);
    assertThat(get(aliceLow.getId()).getQueuePosition()).isEqualTo(4);
    assertThat(root.listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList())
        .as("refused sessions leave no trace")
        .hasSize(7);

    alice.cancelSession(CancelSessionRequest.newBuilder().setSessionId(blocker.getId()).build());
    List<SessionEvent> blockerEvents = watch(blocker.getId());
    assertThat(ServiceTestBase.lastState(blockerEvents))
        .isEqualTo(SessionState.SESSION_STATE_CANCELLED);
    assertThat(blockerEvents).noneMatch(SessionEvent::hasResult);

    List<Session> trained = new ArrayList<>();
    for (Session s : List.of(aliceLow, aliceHigh, bobMid, bobZero, rootMid)) {
      assertThat(ServiceTestBase.lastState(watch(s.getId())))
          .as(s.getConfig().getDisplayName())
          .isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
      trained.add(get(s.getId()));
    }
    trained.sort(Comparator.comparing(Session::getStartedAt, Timestamps.comparator()));
    assertThat(trained)
        .extracting(s -> s.getConfig().getDisplayName())
        .containsExactly("alice-high", "bob-mid", "root-mid", "bob-zero", "alice-low");
    Session previous = get(blocker.getId());
    for (Session s : trained) {
      assertThat(Timestamps.compare(s.getStartedAt(), previous.getFinishedAt()))
          .as("%s starts after %s ends", s.getConfig().getDisplayName(),
              previous.getConfig().getDisplayName())
          .isGreaterThanOrEqualTo(0);
      previous = s;
    }
    Session neverTrained = get(rootExtra.getId());
    assertThat(neverTrained.getState()).isEqualTo(SessionState.SESSION_STATE_CANCELLED);
    assertThat(neverTrained.hasStartedAt()).isFalse();
    assertThat(watch(rootExtra.getId()))
        .extracting(e -> e.getState().getState())
        .containsExactly(SessionState.SESSION_STATE_QUEUED, SessionState.SESSION_STATE_CANCELLED);
  }
}
