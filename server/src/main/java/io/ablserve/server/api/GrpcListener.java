package io.ablserve.server.api;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.AbstractIdleService;
import io.ablserve.server.auth.AuthInterceptor;
import io.ablserve.server.session.StoreHealth;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The gRPC port as a service: the bound services on whatever transport the {@link ServerBuilder} gives
 * (Netty in production, in-process or Netty on port 0 in tests). It listens once the sessions are
 * restored; stopping it refuses new calls, while calls in flight (watches that will see their session end
 * INTERRUPTED as the sessions service stops) go on until {@link #awaitCalls}.
 */
public final class GrpcListener extends AbstractIdleService {
  private final Server server;
  private final HealthStatusManager health;
  private final StoreHealth storeHealth;
  private final List<String> serviceNames;
  private final AtomicBoolean terminal = new AtomicBoolean();

  @Inject
  GrpcListener(
      ServerBuilder<?> builder,
      Set<BindableService> services,
      AuthInterceptor auth,
      HealthStatusManager health,
      StoreHealth storeHealth) {
    requireNonNull(builder, "builder");
    List<String> names = new ArrayList<>();
    for (BindableService service : services) {
      ServerServiceDefinition definition = service.bindService();
      names.add(definition.getServiceDescriptor().getName());
      builder.addService(MalformedRequests.guard(definition));
    }
    this.serviceNames = List.copyOf(names);
    builder.intercept(requireNonNull(auth, "auth"));
    this.server = builder.build();
    this.health = requireNonNull(health, "health");
    this.storeHealth = requireNonNull(storeHealth, "storeHealth");
  }

  /**
   * Listens; health reports SERVING once calls can be taken, and NOT_SERVING while the store cannot be
   * written (a full disk), until a write succeeds again: for the server ("") and for every service by its
   * full name (e.g. {@code ablserve.v1.SessionService}) alike.
   */
  @Override
  protected void startUp() throws Exception {
    server.start();
    storeHealth.onChange(this::reportStore);
    reportStore(storeHealth.writable());
  }

  /** The server as a whole ("") and each service by name share one status: the store's. */
  private void reportStore(boolean writable) {
    ServingStatus status = writable ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    // After enterTerminalState (notServing) the manager ignores this.
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
    for (String name : serviceNames) {
      health.setStatus(name, status);
    }
  }

  /**
   * Health NOT_SERVING for good: the first step of a shutdown, before anything stops. Once: grpc's health
   * manager logs a warning with a stack trace when told twice.
   */
  void notServing() {
    if (terminal.compareAndSet(false, true)) {
      health.enterTerminalState();
    }
  }

  @Override
  protected void shutDown() {
    notServing();
    server.shutdown();
  }

  /** Waits up to {@code timeout} for the calls in flight, then cancels those left. */
  void awaitCalls(long timeout, TimeUnit unit) throws InterruptedException {
    server.shutdown();
    if (!server.awaitTermination(timeout, unit)) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** The port actually bound (the real one when configured with 0); -1 for in-process transports. */
  int port() {
    return server.getPort();
  }

  void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  protected String serviceName() {
    return "grpc";
  }
}
