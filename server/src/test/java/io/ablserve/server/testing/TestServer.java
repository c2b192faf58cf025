package io.ablserve.server.testing;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.util.Modules;
import io.ablserve.server.api.AblServer;
import io.ablserve.server.api.GrpcServerModule;
import io.ablserve.server.config.ConfigModule;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.metrics.MetricsModule;
import io.ablserve.server.session.SessionModule;
import io.ablserve.server.store.InMemoryStoreModule;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** A real server wired like Main, with a test training module, and a channel to it. */
public final class TestServer implements AutoCloseable {
  /** How the tests reach the server. */
  public enum Transport {
    IN_PROCESS,
    NETTY
  }

  public static final ServerConfig CONFIG =
      new ServerConfig(
          0,
          "127.0.0.1",
          ServerConfig.DEFAULTS.dataDir(),
          "cpu",
          ServerConfig.DEFAULTS.datasetRoots(),
          ServerConfig.DEFAULTS.maxQueuedSessions());

  private final Injector injector;
  private final AblServer server;
  private final ManagedChannel channel;

  private TestServer(Injector injector, AblServer server, ManagedChannel channel) {
    this.injector = injector;
    this.server = server;
    this.channel = channel;
  }

  /** Starts a server on {@code transport} with {@code config}, the training module and heap stores. */
  public static TestServer start(Transport transport, ServerConfig config, Module training)
      throws IOException {
    return start(transport, config, training, new InMemoryStoreModule());
  }

  /** Starts a server with the given store module, e.g. the durable one over a test folder. */
  public static TestServer start(
      Transport transport, ServerConfig config, Module training, Module store) throws IOException {
    return start(transport, config, training, store, Modules.EMPTY_MODULE);
  }

  /**
   * As {@link #start(Transport, ServerConfig, Module, Module)}, with {@code overrides} replacing what
   * the production modules bind (e.g. the session module's clock).
   */
  public static TestServer start(
      Transport transport, ServerConfig config, Module training, Module store, Module overrides)
      throws IOException {
    String name = InProcessServerBuilder.generateName();
    GrpcServerModule grpc =
        transport == Transport.IN_PROCESS
            ? GrpcServerModule.using(InProcessServerBuilder.forName(name))
            : new GrpcServerModule(); // the production Netty transport, on port 0
    Injector injector =
        Guice.createInjector(
            Modules.override(
                    new ConfigModule(config), grpc, new SessionModule(), store, new MetricsModule(),
                    training)
                .with(overrides));
    AblServer server = injector.getInstance(AblServer.class).start();
    ManagedChannel channel =
        transport == Transport.IN_PROCESS
            ? InProcessChannelBuilder.forName(name).build()
            : NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    return new TestServer(injector, server, channel);
  }

  /** The port of the Prometheus endpoint, when the config asked for one. */
  public int metricsPort() {
    return injector.getInstance(MetricsModule.MetricsEndpoint.class).port().orElseThrow();
  }

  /** The Prometheus endpoint, off unless the config asked for one. */
  public MetricsModule.MetricsEndpoint metrics() {
    return injector.getInstance(MetricsModule.MetricsEndpoint.class);
  }

  /** The server's instance of {@code type}, as its injector builds it. */
  public <T> T instance(Class<T> type) {
    return injector.getInstance(type);
  }

  public ManagedChannel channel() {
    return channel;
  }

  public int port() {
    return server.port();
  }

  /** A blocking stub; each call gets a deadline so a hung server fails the test instead of hanging it. */
  public SessionServiceGrpc.SessionServiceBlockingStub blocking() {
    return SessionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  /** A blocking stub that calls as {@code token}'s user, each call with a 30 s deadline. */
  public SessionServiceGrpc.SessionServiceBlockingStub blockingAs(String token) {
    return SessionServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(new BearerToken(token))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /**
   * Creates a session of the default config on the first {@code trainLimit} training samples, as
   * {@code token}'s user; returns its id.
   */
  public String createSession(String token, int trainLimit) {
    return blockingAs(token)
        .createSession(
            CreateSessionRequest.newBuilder()
                .setConfig(
                    SessionConfig.newBuilder()
                        .setDataset(DatasetSpec.newBuilder().setTrainLimit(trainLimit)))
                .build())
        .getId();
  }

  public SessionServiceGrpc.SessionServiceStub async() {
    return SessionServiceGrpc.newStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    try {
      server.close(); // first, so open watch streams see their sessions end
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
