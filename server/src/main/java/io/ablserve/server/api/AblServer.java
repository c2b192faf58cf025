package io.ablserve.server.api;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.auth.AuthInterceptor;
import io.ablserve.server.session.SessionManager;
import io.ablserve.server.session.StoreHealth;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The ablserve gRPC server: the bound services on whatever transport the {@link ServerBuilder} gives
 * (Netty in production, in-process or Netty on port 0 in tests), plus the trainer's lifecycle.
 */
public final class AblServer implements AutoCloseable {
  private static final Logger logger = Logger.getLogger(AblServer.class.getName());

  private final Server server;
  private final HealthStatusManager health;
  private final SessionManager sessions;
  private final StoreHealth storeHealth;
  private final Set<AutoCloseable> resources;
  private final List<String> serviceNames;

  /**
   * {@code resources} (the database, the metrics endpoint) are closed after the trainer has stopped.
   */
  @Inject
  public AblServer(
      ServerBuilder<?> builder,
      Set<BindableService> services,
      AuthInterceptor auth,
      HealthStatusManager health,
      SessionManager sessions,
      StoreHealth storeHealth,
      Set<AutoCloseable> resources) {
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
    this.sessions = requireNonNull(sessions, "sessions");
    this.storeHealth = requireNonNull(storeHealth, "storeHealth");
    this.resources = Set.copyOf(resources);
  }

  /**
   * Starts the trainer, then listens; health reports SERVING once calls can be taken, and NOT_SERVING
   * while the store cannot be written (a full disk), until a write succeeds again: for the server ("")
   * and for every service by its full name (e.g. {@code ablserve.v1.SessionService}) alike.
   */
  public AblServer start() throws IOException {
    sessions.start();
    server.start();
    storeHealth.onChange(this::reportStore);
    reportStore(storeHealth.writable());
    return this;
  }

  /** The server as a whole ("") and each service by name share one status: the store's. */
  private void reportStore(boolean writable) {
    ServingStatus status = writable ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    // After enterTerminalState (close) the manager ignores this.
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
    for (String name : serviceNames) {
      health.setStatus(name, status);
    }
  }

  /** The port actually bound (the real one when configured with 0); -1 for in-process transports. */
  public int port() {
    return server.getPort();
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /**
   * Refuses new calls, stops the trainer (the running session ends INTERRUPTED, which also ends its watch
   * streams; queued ones stay QUEUED for the next start), waits briefly for calls in flight, then closes
   * the resources.
   */
  @Override
  public void close() throws InterruptedException {
    health.enterTerminalState();
    server.shutdown();
    try {
      sessions.close();
    } finally {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      for (AutoCloseable resource : resources) {
        try {
          resource.close();
        } catch (Exception e) {
          logger.log(Level.WARNING, "cannot close " + resource, e);
        }
      }
    }
  }
}
