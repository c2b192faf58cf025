package io.ablserve.bench;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import io.ablserve.server.TrainingModule;
import io.ablserve.server.api.AblServer;
import io.ablserve.server.api.GrpcServerModule;
import io.ablserve.server.config.ConfigModule;
import io.ablserve.server.config.ResumeInterrupted;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.metrics.MetricsModule;
import io.ablserve.server.session.SessionModule;
import io.ablserve.server.store.StoreModule;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The production server in this JVM, wired with Main's modules (Netty on a free loopback port, the
 * SQLite store in a scratch data folder, the real training module), and a client channel to it.
 */
final class ServerUnderTest implements AutoCloseable {
  private final AblServer server;
  private final ManagedChannel channel;

  ServerUnderTest(Path dataDir, Map<String, Path> datasets) throws IOException {
    ServerConfig d = ServerConfig.DEFAULTS;
    ServerConfig config =
        new ServerConfig(
            0, "127.0.0.1", dataDir, "cpu", datasets, d.maxQueuedSessions(), d.maxQueuedPerUser(), Optional.empty(),
            Optional.empty(), Optional.empty(), d.maxUploadBytes(), -1, ResumeInterrupted.MANUAL);
    Injector injector =
        Guice.createInjector(
            Stage.PRODUCTION, new ConfigModule(config), new GrpcServerModule(), new SessionModule(),
            new StoreModule(), new MetricsModule(), new TrainingModule());
    server = injector.getInstance(AblServer.class).start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  /** What a watched session ended with. */
  record Run(String id, SessionState state, long wallMs, long serverElapsedMs, int events) {}

  /**
   * Creates a session and follows it with one watcher until its last event, handing each event to {@code
   * onEvent} on the watching thread. The wall time runs from the create call to the last event.
   */
  Run run(SessionConfig config, Consumer<SessionEvent> onEvent) {
    long start = System.nanoTime();
    String id =
        SessionServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .createSession(CreateSessionRequest.newBuilder().setConfig(config).build())
            .getId();
    Iterator<SessionEvent> events =
        SessionServiceGrpc.newBlockingStub(channel)
            .watchSession(
                WatchSessionRequest.newBuilder().setSessionId(id).setFollow(true).build());
    SessionState state = SessionState.SESSION_STATE_UNSPECIFIED;
    long serverMs = -1;
    int count = 0;
    while (events.hasNext()) {
      SessionEvent e = events.next();
      count++;
      onEvent.accept(e);
      if (e.hasState()) {
        state = e.getState().getState();
      }
      if (e.hasResult()) {
        serverMs = e.getResult().getElapsedMs();
      }
    }
    long wall = (System.nanoTime() - start) / 1_000_000;
    return new Run(id, state, wall, serverMs, count);
  }

  @Override
  public void close() throws InterruptedException {
    try {
      server.close();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
