package io.ablserve.server.api;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.Service;
import com.google.common.util.concurrent.ServiceManager;
import io.ablserve.server.lifecycle.DependsOn;
import io.ablserve.server.lifecycle.ServiceGraph;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The ablserve server: its services (the store's writer, the sessions and their trainers, the gRPC port,
 * the metrics endpoint) started and stopped by one {@link ServiceManager} in the order of their {@link
 * DependsOn} edges, then the resources (the database file) closed.
 */
public final class AblServer implements AutoCloseable {
  private static final Logger logger = Logger.getLogger(AblServer.class.getName());

  /** How long services get to stop; the sessions service alone waits up to 30 s for a run to notice. */
  static final long STOP_TIMEOUT_SECONDS = 60;

  private final GrpcListener listener;
  private final ServiceManager services;
  private final Set<AutoCloseable> resources;

  /** {@code resources} (the database) are closed after every service has stopped. */
  @jakarta.inject.Inject
  public AblServer(
      GrpcListener listener,
      Set<Service> services,
      Set<DependsOn> dependencies,
      Set<AutoCloseable> resources) {
    this.listener = requireNonNull(listener, "listener");
    this.services = ServiceGraph.manager(services, dependencies);
    this.resources = Set.copyOf(resources);
    // A service that dies while serving (the store's writer thread) leaves a server that cannot do its
    // work: say so in health rather than answer SERVING until someone restarts it.
    this.services.addListener(
        new ServiceManager.Listener() {
          @Override
          public void failure(Service service) {
            if (service.failureCause() instanceof ServiceGraph.DependencyFailedException) {
              return;
            }
            logger.log(Level.SEVERE, service + " failed; health is NOT_SERVING", service.failureCause());
            listener.notServing();
          }
        },
        MoreExecutors.directExecutor());
  }

  /**
   * Starts every service, each after those it depends on. When one fails, those started are stopped and
   * an IOException says which failed and why.
   */
  public AblServer start() throws IOException {
    services.startAsync();
    try {
      services.awaitHealthy();
    } catch (IllegalStateException e) {
      stopServices();
      closeResources();
      throw new IOException("cannot start: " + failures(), e);
    }
    return this;
  }

  private String failures() {
    StringBuilder why = new StringBuilder();
    for (Service failed : services.servicesByState().get(Service.State.FAILED)) {
      Throwable cause = failed.failureCause();
      if (cause instanceof ServiceGraph.DependencyFailedException) {
        continue; // the failure of what it depends on is listed, with its reason
      }
      why.append(why.length() == 0 ? "" : "; ").append(failed).append(": ")
          .append(cause.getMessage() == null ? cause.toString() : cause.getMessage());
    }
    return why.length() == 0 ? "a service did not start" : why.toString();
  }

  /** The port actually bound (the real one when configured with 0); -1 for in-process transports. */
  public int port() {
    return listener.port();
  }

  public void awaitTermination() throws InterruptedException {
    listener.awaitTermination();
  }

  /**
   * Health goes NOT_SERVING, then the services stop in reverse order of their dependencies: the gRPC port
   * refuses new calls, the trainers stop (the running session ends INTERRUPTED, which also ends its watch
   * streams; queued ones stay QUEUED for the next start), the writer commits what is queued. Calls still
   * in flight get a few seconds more; then the resources are closed.
   */
  @Override
  public void close() throws InterruptedException {
    listener.notServing();
    try {
      stopServices();
    } finally {
      listener.awaitCalls(5, TimeUnit.SECONDS);
      closeResources();
    }
  }

  private void stopServices() {
    services.stopAsync();
    try {
      services.awaitStopped(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      logger.warning("services not stopped after " + STOP_TIMEOUT_SECONDS + " s: "
          + services.servicesByState());
    }
  }

  private void closeResources() {
    for (AutoCloseable resource : resources) {
      try {
        resource.close();
      } catch (Exception e) {
        logger.log(Level.WARNING, "cannot close " + resource, e);
      }
    }
  }
}
