package io.ablserve.server.api;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.ProvidesIntoSet;
import io.ablserve.server.config.ServerConfig;
import io.grpc.BindableService;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.net.InetSocketAddress;
import java.util.function.Function;

/**
 * The gRPC server: its transport, the v1 SessionService, health ({@code grpc.health.v1}) and server
 * reflection, so {@code grpcurl} works without the protos.
 */
public final class GrpcServerModule extends AbstractModule {
  private final Function<ServerConfig, ServerBuilder<?>> transport;

  /** Netty on the configured address and port. */
  public GrpcServerModule() {
    this(
        config ->
            NettyServerBuilder.forAddress(
                new InetSocketAddress(config.bindAddress(), config.port())));
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
    Multibinder.newSetBinder(binder(), BindableService.class)
        .addBinding()
        .to(SessionServiceImpl.class);
    bind(AblServer.class).in(Singleton.class);
  }

  @Provides
  ServerBuilder<?> serverBuilder(ServerConfig config) {
    return transport.apply(config);
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
}
