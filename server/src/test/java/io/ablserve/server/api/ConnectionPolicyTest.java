package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ablserve.server.config.ServiceLimits;
import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.RawHttp2;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The per-connection policy of the Netty transport (issue #17, item 4), observed on real connections:
 * keepalive enforcement, streams per connection and connection age, each with small configured values.
 * Rapid reset is in {@link AdmissionTest}.
 */
class ConnectionPolicyTest extends ServiceTestBase {
  private static final Duration FRAME_WAIT = Duration.ofSeconds(15);
  private static final HealthCheckRequest ALL = HealthCheckRequest.getDefaultInstance();
  /**
   * Pings refused before the GOAWAY: grpc-java forgives two (its KeepAliveEnforcer's strikes). No more
   * are sent, so none is written to a connection the server has already closed.
   */
  private static final int STRIKES_TO_GOAWAY = 3;

  @Override
  TestServer.Transport transport() {
    return TestServer.Transport.NETTY;
  }

  private void startWith(ServiceLimits limits) throws Exception {
    start(new ScriptedTrainer(1, false), TestServer.CONFIG.withLimits(limits));
  }

  @Test
  void keepAlive_pingsFasterThanPermitted_getGoAwayEnhanceYourCalm() throws Exception {
    startWith(ServiceLimits.DEFAULTS.withKeepAlivePolicy(Duration.ofSeconds(30), true));
    try (RawHttp2 connection = RawHttp2.connect(server.port())) {
      connection.await(RawHttp2.SETTINGS, FRAME_WAIT).orElseThrow();
      for (int i = 0; i < STRIKES_TO_GOAWAY; i++) {
        connection.ping(i);
      }

      RawHttp2.Frame goAway = connection.await(RawHttp2.GOAWAY, FRAME_WAIT).orElseThrow();
      assertThat(goAway.errorCode()).isEqualTo(RawHttp2.ENHANCE_YOUR_CALM);
      assertThat(goAway.debugData()).contains("too_many_pings");
      assertThat(connection.closedWithin(FRAME_WAIT)).isTrue();
    }
  }

  @Test
  void keepAlive_pingsAtThePermittedPace_areAnsweredAndTheConnectionStays() throws Exception {
    Duration permitted = Duration.ofMillis(200);
    startWith(ServiceLimits.DEFAULTS.withKeepAlivePolicy(permitted, true));
    try (RawHttp2 connection = RawHttp2.connect(server.port())) {
      for (int i = 0; i < 5; i++) {
        Thread.sleep(2 * permitted.toMillis()); // the pace under test, not a wait for work
        connection.ping(i);
        Optional<RawHttp2.Frame> ack = connection.await(RawHttp2.PING, FRAME_WAIT);
        assertThat(ack).as("ping %d answered", i).isPresent();
        assertThat(ack.get().flags() & RawHttp2.ACK).isEqualTo(RawHttp2.ACK);
      }
    }
  }

  @Test
  void keepAlive_withoutCallsNotPermitted_pingsOnAnIdleConnectionGetGoAway() throws Exception {
    Duration permitted = Duration.ofMillis(200);
    startWith(ServiceLimits.DEFAULTS.withKeepAlivePolicy(permitted, false));
    try (RawHttp2 connection = RawHttp2.connect(server.port())) {
      for (int i = 0; i < STRIKES_TO_GOAWAY; i++) {
        Thread.sleep(2 * permitted.toMillis()); // slower than permitted: only the idle rule refuses
        connection.ping(i);
      }

      RawHttp2.Frame goAway = connection.await(RawHttp2.GOAWAY, FRAME_WAIT).orElseThrow();
      assertThat(goAway.errorCode()).isEqualTo(RawHttp2.ENHANCE_YOUR_CALM);
      assertThat(goAway.debugData()).contains("too_many_pings");
    }
  }

  @Test
  void callsPerConnection_pastTheLimit_waitForAFreeStreamRatherThanFail() throws Exception {
    start(new ScriptedTrainer(1, true),
        TestServer.CONFIG.withLimits(ServiceLimits.DEFAULTS.withCallsPerConnection(2)));
    try (RawHttp2 connection = RawHttp2.connect(server.port())) {
      RawHttp2.Frame settings = connection.await(RawHttp2.SETTINGS, FRAME_WAIT).orElseThrow();
      assertThat(settings.setting(RawHttp2.SETTINGS_MAX_CONCURRENT_STREAMS)).contains(2L);
    }
    String id = create(config(b -> b)).getId();
    trainer.awaitStarted();
    WatchSessionRequest follow =
        WatchSessionRequest.newBuilder().setSessionId(id).setFollow(true).build();
    CompletableFuture<Status> first = new CompletableFuture<>();
    CompletableFuture<Status> second = new CompletableFuture<>();
    open(SessionServiceGrpc.getWatchSessionMethod(), follow, first);
    open(SessionServiceGrpc.getWatchSessionMethod(), follow, second);

    CompletableFuture<Session> third = CompletableFuture.supplyAsync(() -> get(id));
    assertThatThrownBy(() -> third.get(1, TimeUnit.SECONDS))
        .as("a third call on the connection waits while two streams are open")
        .isInstanceOf(TimeoutException.class);

    trainer.release(); // the session ends, and its watches with it
    assertThat(first.get(20, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
    assertThat(third.get(20, TimeUnit.SECONDS).getId()).as("the waiting call, answered").isEqualTo(id);
  }

  @Test
  void connectionAge_pastTheMax_goesAwayGracefully_callsGoOn_andNewCallsReconnect() throws Exception {
    startWith(ServiceLimits.DEFAULTS.withConnectionAge(Duration.ofSeconds(1), Duration.ZERO));
    try (RawHttp2 connection = RawHttp2.connect(server.port())) {
      RawHttp2.Frame goAway = connection.await(RawHttp2.GOAWAY, FRAME_WAIT).orElseThrow();
      assertThat(goAway.errorCode()).isEqualTo(RawHttp2.NO_ERROR);
      assertThat(connection.closedWithin(FRAME_WAIT)).as("closed once no call is open").isTrue();
    }

    CompletableFuture<Status> watch = new CompletableFuture<>();
    ClientCall<HealthCheckRequest, HealthCheckResponse> open = openWatch(watch);
    Poll.until("the aged connection to go away", WAIT,
        () -> server.channel().getState(false) != ConnectivityState.READY);
    assertThat(HealthGrpc.newBlockingStub(server.channel())
            .withDeadlineAfter(20, TimeUnit.SECONDS)
            .check(ALL)
            .getStatus())
        .as("a new call, on a new connection")
        .isEqualTo(ServingStatus.SERVING);
    assertThat(watch).as("the call open on the aged connection goes on (no grace limit)").isNotDone();
    open.cancel("done", null);
  }

  @Test
  void connectionAgeGrace_endsCallsStillOpenOnTheAgedConnection() throws Exception {
    startWith(ServiceLimits.DEFAULTS.withConnectionAge(Duration.ofSeconds(1), Duration.ofSeconds(1)));
    CompletableFuture<Status> watch = new CompletableFuture<>();
    openWatch(watch);

    Status ended = watch.get(20, TimeUnit.SECONDS);
    assertThat(ended.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  /** A health watch: a call that stays open until cancelled. */
  private ClientCall<HealthCheckRequest, HealthCheckResponse> openWatch(
      CompletableFuture<Status> ended) throws Exception {
    return open(HealthGrpc.getWatchMethod(), ALL, ended);
  }

  /**
   * A server-streaming call, once the server has answered it with a first message; {@code ended} gets
   * the status it closes with.
   */
  private <Q, R> ClientCall<Q, R> open(
      MethodDescriptor<Q, R> method, Q request, CompletableFuture<Status> ended) throws Exception {
    CountDownLatch answered = new CountDownLatch(1);
    ClientCall<Q, R> call = server.channel().newCall(method, CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(R message) {
        answered.countDown();
        call.request(1);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        ended.complete(status);
      }
    }, new Metadata());
    call.sendMessage(request);
    call.halfClose();
    call.request(1);
    assertThat(answered.await(20, TimeUnit.SECONDS)).as("the call answered").isTrue();
    return call;
  }
}
