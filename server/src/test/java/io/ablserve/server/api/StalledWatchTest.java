package io.ablserve.server.api;

import static io.ablserve.server.api.WatchSessionContract.assertEndsSucceeded;
import static io.ablserve.server.api.WatchSessionContract.assertGapFreeFrom;
import static io.ablserve.server.testing.PrometheusScrape.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.config.ServiceLimits;
import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Watchers whose client stops reading, over real HTTP/2 with a small stream window: they are counted
 * while their streams are open, and dropped after the configured stall time with the sequence to resume
 * from.
 */
class StalledWatchTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Duration STALL = Duration.ofSeconds(2);
  private static final int WINDOW_BYTES = 4 * 1024;

  private final List<ManagedChannel> channels = new ArrayList<>();
  private TestServer server;

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(ScriptedTrainer trainer, Duration stall) throws Exception {
    server =
        TestServer.start(
            TestServer.Transport.NETTY,
            TestServer.CONFIG.withMetricsPort(0)
                .withLimits(ServiceLimits.DEFAULTS.withWatchStallTimeout(stall)),
            new TestingTrainingModule(trainer));
  }

  /** A watch on its own connection whose client reads nothing until asked to. */
  private EventCollector stalledWatch(String id, long from) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port())
            .flowControlWindow(WINDOW_BYTES)
            .usePlaintext()
            .build();
    channels.add(channel);
    EventCollector collector = new EventCollector(0);
    SessionServiceGrpc.newStub(channel)
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .watchSession(
            WatchSessionRequest.newBuilder()
                .setSessionId(id).setFromSequence(from).setFollow(true).build(),
            collector);
    return collector;
  }

  private String create() {
    return server.blocking()
        .createSession(
            CreateSessionRequest.newBuilder().setConfig(SessionConfig.getDefaultInstance()).build())
        .getId();
  }

  @Test
  void stalledWatch_isCountedWhileOpen_thenDroppedWithTheSequenceToResumeFrom() throws Exception {
    // About 3,000 step events, some 160 KB: far more than the window and grpc's 32 KiB ready threshold.
    ScriptedTrainer trainer = new ScriptedTrainer(3000, true);
    start(trainer, STALL);
    int port = server.metricsPort();
    String id = create();
    trainer.awaitStarted();

    long opened = System.nanoTime();
    EventCollector stalled = stalledWatch(id, 0);
    Poll.until("the stalled watch to be counted", WAIT,
        () -> value(port, "ablserve_active_watchers") == 1);
    assertThat(value(port, "ablserve_watch_stall_drops_total")).isZero();

    Poll.until("the stalled watch to be dropped", WAIT,
        () -> value(port, "ablserve_watch_stall_drops_total") == 1);
    assertThat(Duration.ofNanos(System.nanoTime() - opened)).isGreaterThanOrEqualTo(STALL);
    assertThat(stalled.received()).isZero();

    // Reading again, the client gets what was on its way, then the reason and where to go on from.
    stalled.request(Integer.MAX_VALUE);
    Throwable error = stalled.awaitError();
    List<SessionEvent> before = stalled.events();
    assertThat(Status.fromThrowable(error).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(Status.fromThrowable(error).getDescription())
        .startsWith("watch stalled for 2 s: the client did not read")
        .endsWith("resume with from_sequence=" + before.size());
    assertGapFreeFrom(0, before);
    Poll.until("the dropped watch to be forgotten", WAIT,
        () -> value(port, "ablserve_active_watchers") == 0);

    EventCollector resumed = new EventCollector();
    server.async().watchSession(
        WatchSessionRequest.newBuilder()
            .setSessionId(id).setFromSequence(before.size()).setFollow(true).build(),
        resumed);
    trainer.release();
    List<SessionEvent> all = new ArrayList<>(before);
    all.addAll(resumed.awaitCompleted());
    assertGapFreeFrom(0, all);
    assertEndsSucceeded(all);
  }

  @Test
  void finishedWatch_isCountedUntilItsClientHasReadTheEnd() throws Exception {
    // About 300 events, some 17 KB: more than the window, so the end waits in the server's transport
    // after the watch has handed over its last event.
    ScriptedTrainer trainer = new ScriptedTrainer(300, false);
    start(trainer, ServiceLimits.DEFAULTS.watchStallTimeout());
    int port = server.metricsPort();
    String id = create();
    Poll.until("the session to succeed", WAIT, () -> server.blocking()
        .getSession(GetSessionRequest.newBuilder().setSessionId(id).build())
        .getState() == SessionState.SESSION_STATE_SUCCEEDED);
    List<SessionEvent> log = new ArrayList<>();
    server.blocking()
        .watchSession(WatchSessionRequest.newBuilder().setSessionId(id).build())
        .forEachRemaining(log::add);
    double replayed = value(port, "ablserve_watch_events_sent_total");

    EventCollector stalled = stalledWatch(id, 0);
    Poll.until("the whole log to be handed to the stalled watch", WAIT,
        () -> value(port, "ablserve_watch_events_sent_total") == replayed + log.size());
    assertThat(value(port, "ablserve_active_watchers"))
        .as("the stream is open while its end waits for the client")
        .isEqualTo(1);

    stalled.request(Integer.MAX_VALUE);
    assertThat(stalled.awaitCompleted()).isEqualTo(log);
    Poll.until("the read watch to be forgotten", WAIT,
        () -> value(port, "ablserve_active_watchers") == 0);
  }
}
