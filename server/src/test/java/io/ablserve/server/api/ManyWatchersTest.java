package io.ablserve.server.api;

import static io.ablserve.server.api.WatchSessionContract.assertEndsSucceeded;
import static io.ablserve.server.api.WatchSessionContract.assertGapFreeFrom;
import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.TrainingModule;
import io.ablserve.server.config.ServiceLimits;
import io.ablserve.server.store.StoreModule;
import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.PrometheusScrape;
import io.ablserve.server.testing.TestServer;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionEvent.EventCase;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Twenty clients follow one real training session, each on its own connection; five of them never ask
 * for a message. What the server hands a client that does not read is bounded by HTTP/2 flow control and
 * grpc-java's ready threshold, not by the length of the session, which is what keeps a lab's forgotten
 * notebooks from filling the server's heap.
 */
@Tag("training")
class ManyWatchersTest {
  private static final int READERS = 15;
  private static final int STALLED = 5;
  /** The stalled clients' HTTP/2 stream window: what the server may put on the wire for them. */
  private static final int STALLED_WINDOW_BYTES = 4 * 1024;
  /**
   * grpc-java's default on-ready threshold: a stream stops being ready once this many of its bytes wait
   * in the server's transport, unsent. What a stalled client costs the server's heap.
   */
  private static final int READY_THRESHOLD_BYTES = 32 * 1024;
  private static final Duration WAIT = Duration.ofMinutes(5);

  @TempDir Path dataDir;
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

  private EventCollector watch(
      String sessionId, EventCollector collector, NettyChannelBuilder builder) {
    ManagedChannel channel = builder.usePlaintext().build();
    channels.add(channel);
    SessionServiceGrpc.newStub(channel)
        .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
        .watchSession(
            WatchSessionRequest.newBuilder().setSessionId(sessionId).setFollow(true).build(),
            collector);
    return collector;
  }

  /** Events from the log's start that fit in {@code bytes} on the wire, plus the one overflowing. */
  private static int eventsWithin(List<SessionEvent> log, long bytes) {
    long wire = 0;
    int count = 0;
    for (SessionEvent event : log) {
      wire += event.getSerializedSize() + 5; // gRPC's length-prefixed framing
      count++;
      if (wire >= bytes) {
        break;
      }
    }
    return count;
  }

  @Test
  void twentyWatchers_readersGetEveryEventWhileFiveThatNeverReadHoldOnlyAWindow() throws Exception {
    server =
        TestServer.start(
            TestServer.Transport.NETTY,
            // Stalled for as long as the session runs: the stall timeout must not end them first.
            TestServer.CONFIG.withDataDir(dataDir).withMetricsPort(0)
                .withLimits(ServiceLimits.DEFAULTS.withWatchStallTimeout(Duration.ofHours(1))),
            new TrainingModule(),
            new StoreModule());
    // A step event every 4 images: about 2400 events, some 160 KB, over three times what flow control
    // lets the server hand to a client that does not read.
    SessionConfig config =
        SessionConfig.newBuilder()
            .setDisplayName("watched")
            .setDataset(DatasetSpec.newBuilder().setTrainLimit(3200).setTestLimit(200))
            .setAbl(
                AblConfig.newBuilder()
                    .setEpochs(3)
                    .setIsolationEpochs(1)
                    .setBatchSize(4)
                    .setStepReportInterval(1)
                    // The paper's recipe with suspect filtering: every kind of event, FILTER included, comes
                    // whatever the backdoor check would decide on so small a set.
                    .setIsolationExpansion(false)
                    .setSuspectFiltering(true))
            .setSeed(11)
            .build();
    Session session =
        server.blocking().createSession(CreateSessionRequest.newBuilder().setConfig(config).build());
    String id = session.getId();

    List<EventCollector> readers = new ArrayList<>();
    List<EventCollector> stalled = new ArrayList<>();
    for (int i = 0; i < READERS + STALLED; i++) {
      NettyChannelBuilder channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port());
      if (i % 4 == 3) { // every fourth of them, spread over the start
        stalled.add(
            watch(id, new EventCollector(0), channel.flowControlWindow(STALLED_WINDOW_BYTES)));
      } else {
        readers.add(watch(id, new EventCollector(), channel));
      }
    }
    assertThat(readers).hasSize(READERS);
    assertThat(stalled).hasSize(STALLED);

    Poll.until("the session to succeed", WAIT, () -> server.blocking()
        .getSession(GetSessionRequest.newBuilder().setSessionId(id).build())
        .getState() == SessionState.SESSION_STATE_SUCCEEDED);
    List<List<SessionEvent>> delivered = new ArrayList<>();
    for (EventCollector reader : readers) {
      delivered.add(reader.awaitCompleted());
    }

    // The stored log, replayed once the session is over.
    List<SessionEvent> stored = new ArrayList<>();
    server.blocking()
        .watchSession(WatchSessionRequest.newBuilder().setSessionId(id).build())
        .forEachRemaining(stored::add);
    assertGapFreeFrom(0, stored);
    assertEndsSucceeded(stored);
    assertThat(stored)
        .extracting(SessionEvent::getEventCase)
        .contains(EventCase.STEP, EventCase.EPOCH, EventCase.PHASE, EventCase.ISOLATION,
            EventCase.FILTER, EventCase.STATE);
    for (List<SessionEvent> events : delivered) {
      assertThat(events).isEqualTo(stored);
    }

    int n = stored.size();
    // 8 KiB of slack for what the estimate leaves out (HTTP/2 framing, a message in flight).
    int bound = eventsWithin(stored, STALLED_WINDOW_BYTES + READY_THRESHOLD_BYTES + 8 * 1024);
    assertThat(n).as("the log must dwarf what a stalled client can be handed").isGreaterThan(3 * bound);
    int port = server.metricsPort();
    long sent = (long) PrometheusScrape.value(port, "ablserve_watch_events_sent_total");
    long toStalled = sent - (long) (READERS + 1) * n; // the readers' and the replay's whole logs
    assertThat(stalled).allSatisfy(s -> assertThat(s.received()).isZero());
    assertThat(toStalled)
        .as("events handed to the %d stalled watchers of a %d-event log (at most %d each)",
            STALLED, n, bound)
        .isBetween(
            (long) STALLED * eventsWithin(stored, STALLED_WINDOW_BYTES), (long) STALLED * bound);
    assertThat(PrometheusScrape.value(port, "ablserve_active_watchers")).isEqualTo(STALLED);

    // A stalled client that reads again gets the rest, from where flow control held it.
    for (EventCollector s : stalled) {
      s.request(Integer.MAX_VALUE);
    }
    for (EventCollector s : stalled) {
      assertThat(s.awaitCompleted()).isEqualTo(stored);
    }
    Poll.until("every watch to end", WAIT,
        () -> PrometheusScrape.value(port, "ablserve_active_watchers") == 0);
  }
}
