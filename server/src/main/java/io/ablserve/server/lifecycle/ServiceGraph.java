package io.ablserve.server.lifecycle;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.AbstractService;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.Service;
import com.google.common.util.concurrent.ServiceManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One {@link ServiceManager} over the server's services, with their {@link DependsOn} edges kept: each
 * service starts once the services it depends on are running, and stops once those depending on it have
 * stopped, as misk's {@code ServiceGraphBuilder} does. Services are told apart by class; the graph must be
 * acyclic.
 */
public final class ServiceGraph {
  private ServiceGraph() {}

  /** Why a service did not start: one it depends on failed, whose own failure says why. */
  public static final class DependencyFailedException extends IllegalStateException {
    DependencyFailedException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** A manager of {@code services}, each wrapped to wait for its dependencies and dependents. */
  public static ServiceManager manager(Set<Service> services, Set<DependsOn> edges) {
    Map<Class<?>, Coordinated> byClass = new LinkedHashMap<>();
    for (Service service : services) {
      Coordinated previous = byClass.put(service.getClass(), new Coordinated(service));
      if (previous != null) {
        throw new IllegalArgumentException("two services of class " + service.getClass().getName());
      }
    }
    for (DependsOn edge : edges) {
      Coordinated dependent = byClass.get(edge.dependent());
      Coordinated dependency = byClass.get(edge.dependency());
      if (dependent != null && dependency != null) {
        dependent.dependencies.add(dependency);
        dependency.dependents.add(dependent);
      }
    }
    for (Coordinated service : byClass.values()) {
      checkAcyclic(service, new ArrayList<>());
    }
    return new ServiceManager(List.copyOf(byClass.values()));
  }

  private static void checkAcyclic(Coordinated service, List<Coordinated> path) {
    if (path.contains(service)) {
      throw new IllegalArgumentException("services depend on each other in a cycle: " + path);
    }
    path.add(service);
    for (Coordinated dependency : service.dependencies) {
      checkAcyclic(dependency, path);
    }
    path.remove(path.size() - 1);
  }

  /** A service that starts after its dependencies and stops after its dependents, on a thread of its own. */
  private static final class Coordinated extends AbstractService {
    private final Service inner;
    private final List<Coordinated> dependencies = new ArrayList<>();
    private final List<Coordinated> dependents = new ArrayList<>();

    Coordinated(Service inner) {
      this.inner = requireNonNull(inner, "inner");
      // A service that fails while running takes its wrapper, and so the server, with it.
      inner.addListener(
          new Listener() {
            @Override
            public void failed(State from, Throwable failure) {
              if (from == State.RUNNING || from == State.STOPPING) {
                notifyFailedOnce(failure);
              }
            }
          },
          MoreExecutors.directExecutor());
    }

    @Override
    protected void doStart() {
      new Thread(this::startInOrder, "ablserve-start-" + inner).start();
    }

    private void startInOrder() {
      for (Coordinated dependency : dependencies) {
        try {
          dependency.awaitRunning();
        } catch (IllegalStateException e) {
          notifyFailedOnce(new DependencyFailedException(
              this + " not started: " + dependency + " failed", e));
          return;
        }
      }
      try {
        inner.startAsync().awaitRunning();
        notifyStarted();
      } catch (IllegalStateException e) {
        notifyFailedOnce(inner.state() == State.FAILED ? inner.failureCause() : e);
      }
    }

    @Override
    protected void doStop() {
      new Thread(this::stopInOrder, "ablserve-stop-" + inner).start();
    }

    private void stopInOrder() {
      for (Coordinated dependent : dependents) {
        try {
          dependent.awaitTerminated();
        } catch (IllegalStateException e) {
          // It failed; it is stopped all the same.
        }
      }
      try {
        inner.stopAsync().awaitTerminated();
        notifyStopped();
      } catch (IllegalStateException e) {
        notifyFailedOnce(inner.state() == State.FAILED ? inner.failureCause() : e);
      }
    }

    private synchronized void notifyFailedOnce(Throwable failure) {
      State state = state();
      if (state != State.FAILED && state != State.TERMINATED && state != State.NEW) {
        notifyFailed(failure);
      }
    }

    /** The service's name, without the state its toString adds. */
    @Override
    public String toString() {
      return inner.toString().replaceFirst(" \\[[A-Z]+\\]$", "");
    }
  }
}
