package io.ablserve.server.api;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.Service;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.ProvidesIntoSet;
import io.ablserve.server.auth.AuthInterceptor;
import io.ablserve.server.auth.Exposure;
import io.ablserve.server.auth.TokenFile;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.config.ServiceLimits;
import io.ablserve.server.lifecycle.DependsOn;
import io.ablserve.server.session.SessionManagerService;
import io.grpc.BindableService;
import io.grpc.ServerBuilder;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The gRPC server: its transport (TLS when configured), bearer-token authentication, the v1 services,
 * health ({@code grpc.health.v1}) and server reflection, so {@code grpcurl} works without the protos.
 */
public final class GrpcServerModule extends AbstractModule {
  private final Function<ServerConfig, ServerBuilder<?>> transport;

  /**
   * Netty on the configured address and port, with TLS when configured. Refuses a non-loopback address
   * without a token file.
   */
  public GrpcServerModule() {
    this(GrpcServerModule::netty);
  }

  private static ServerBuilder<?> netty(ServerConfig config) {
    Exposure.check(config);
    InetSocketAddress address = new InetSocketAddress(config.bindAddress(), config.port());
    if (config.tlsCert().isEmpty()) {
      return withLimits(NettyServerBuilder.forAddress(address), config.limits());
    }
    try {
      return withLimits(
          NettyServerBuilder.forAddress(
              address,
              TlsServerCredentials.create(
                  config.tlsCert().get().toFile(), config.tlsKey().orElseThrow().toFile())),
          config.limits());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the TLS certificate or key: " + e.getMessage(), e);
    }
  }

  /**
   * The per-connection limits: one client connection can neither open streams without bound, reset them
   * in a loop (HTTP/2 rapid reset, CVE-2023-44487), ping it busy, nor stay forever.
   */
  static NettyServerBuilder withLimits(NettyServerBuilder builder, ServiceLimits limits) {
    builder
        .maxConcurrentCallsPerConnection(limits.maxCallsPerConnection())
        .maxRstFramesPerWindow(
            limits.maxRstFramesPerWindow(), (int) limits.rstWindow().toSeconds())
        .permitKeepAliveTime(limits.permitKeepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
        .permitKeepAliveWithoutCalls(limits.permitKeepAliveWithoutCalls());
    if (!limits.maxConnectionAge().isZero()) {
      builder.maxConnectionAge(limits.maxConnectionAge().toMillis(), TimeUnit.MILLISECONDS);
    }
    if (!limits.maxConnectionAgeGrace().isZero()) {
      builder.maxConnectionAgeGrace(limits.maxConnectionAgeGrace().toMillis(), TimeUnit.MILLISECONDS);
    }
    return builder;
  }

  private GrpcServerModule(Function<ServerConfig, ServerBuilder<?>> transport) {
    this.transport = requireNonNull(transport, "transport");
  }

  /** The same services on a transport of the caller's choosing, such as an in-process one. */
  public static GrpcServerModule using(ServerBuilder<?> builder) {
    requireNonNull(builder, "builder");
    return new GrpcServerModule(config -> builder);
  }

  @Override
  protected void configure() {
    Multibinder<BindableService> services =
        Multibinder.newSetBinder(binder(), BindableService.class);
    services.addBinding().to(SessionServiceImpl.class);
    services.addBinding().to(SessionServiceV2Impl.class);
    services.addBinding().to(DatasetServiceImpl.class);
    services.addBinding().to(ResultsServiceImpl.class);
    Multibinder.newSetBinder(binder(), AutoCloseable.class);
    bind(GrpcListener.class).in(Singleton.class);
    Multibinder.newSetBinder(binder(), Service.class).addBinding().to(GrpcListener.class);
    // Calls are taken once the sessions a previous process left are restored.
    Multibinder.newSetBinder(binder(), DependsOn.class)
        .addBinding()
        .toInstance(new DependsOn(GrpcListener.class, SessionManagerService.class));
    bind(AblServer.class).in(Singleton.class);
  }

  @Provides
  ServerBuilder<?> serverBuilder(ServerConfig config) {
    // Every transport, in-process ones too: a message bigger than any upload chunk is refused unread.
    return transport.apply(config).maxInboundMessageSize(config.maxInboundMessageBytes());
  }

  @Provides
  @Singleton
  AuthInterceptor authInterceptor(ServerConfig config) throws IOException {
    return new AuthInterceptor(
        config.tokenFile().isPresent()
            ? Optional.of(TokenFile.read(config.tokenFile().get()))
            : Optional.empty());
  }

  @Provides
  @Singleton
  HealthStatusManager healthStatusManager() {
    return new HealthStatusManager();
  }

  @ProvidesIntoSet
  BindableService healthService(HealthStatusManager health) {
    return health.getHealthService();
  }

  @ProvidesIntoSet
  BindableService reflectionService() {
    return ProtoReflectionServiceV1.newInstance();
  }

  /**
   * Reflection v1alpha as well as v1: grpcio-reflection's Python client and older grpcurl builds ask
   * only for v1alpha. grpc-java deprecates the class in favour of v1 but still ships it.
   */
  @ProvidesIntoSet
  @SuppressWarnings("deprecation")
  BindableService reflectionServiceV1Alpha() {
    return ProtoReflectionService.newInstance();
  }
}
