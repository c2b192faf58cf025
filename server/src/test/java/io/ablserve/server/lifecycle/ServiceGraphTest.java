package io.ablserve.server.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.AbstractIdleService;
import com.google.common.util.concurrent.Service;
import com.google.common.util.concurrent.ServiceManager;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ServiceGraphTest {
  private static final List<String> log = new CopyOnWriteArrayList<>();

  /** Records its start and stop, a little slowly so a wrong order would show. */
  abstract static class Recording extends AbstractIdleService {
    @Override
    protected void startUp() throws Exception {
      Thread.sleep(20); // widens the window in which an unordered start would overtake
      log.add("start " + serviceName());
    }

    @Override
    protected void shutDown() throws Exception {
      Thread.sleep(20);
      log.add("stop " + serviceName());
    }

    @Override
    protected String serviceName() {
      return getClass().getSimpleName();
    }
  }

  static final class Store extends Recording {}

  static final class Sessions extends Recording {}

  static final class Grpc extends Recording {}

  static final class Metrics extends Recording {}

  static final class Broken extends Recording {
    @Override
    protected void startUp() {
      throw new IllegalStateException("port 50051 is taken");
    }
  }

  private static final Set<DependsOn> EDGES =
      Set.of(
          new DependsOn(Sessions.class, Store.class),
          new DependsOn(Grpc.class, Sessions.class),
          new DependsOn(Metrics.class, Sessions.class));

  @Test
  void services_startAfterTheirDependencies_andStopBeforeThem() throws Exception {
    log.clear();
    // Listed against their order, so the set's order cannot be what orders them.
    ServiceManager manager =
        ServiceGraph.manager(Set.of(new Grpc(), new Metrics(), new Sessions(), new Store()), EDGES);

    manager.startAsync().awaitHealthy(10, TimeUnit.SECONDS);
    assertThat(log.get(0)).isEqualTo("start Store");
    assertThat(log.get(1)).isEqualTo("start Sessions");
    assertThat(log.subList(2, 4)).containsExactlyInAnyOrder("start Grpc", "start Metrics");

    log.clear();
    manager.stopAsync().awaitStopped(10, TimeUnit.SECONDS);
    assertThat(log.subList(0, 2)).containsExactlyInAnyOrder("stop Grpc", "stop Metrics");
    assertThat(log.subList(2, 4)).containsExactly("stop Sessions", "stop Store");
  }

  @Test
  void aServiceThatFailsToStart_failsTheManager_andThoseDependingOnItNeverStart() throws Exception {
    log.clear();
    ServiceManager manager =
        ServiceGraph.manager(
            Set.of(new Store(), new Broken(), new Grpc()),
            Set.of(new DependsOn(Grpc.class, Broken.class), new DependsOn(Broken.class, Store.class)));

    assertThatThrownBy(() -> manager.startAsync().awaitHealthy(10, TimeUnit.SECONDS))
        .isInstanceOf(IllegalStateException.class);
    manager.stopAsync().awaitStopped(10, TimeUnit.SECONDS);

    assertThat(log).containsExactly("start Store", "stop Store");
    assertThat(manager.servicesByState().get(Service.State.FAILED))
        .anySatisfy(s -> assertThat(s.failureCause()).hasMessage("port 50051 is taken"));
  }

  @Test
  void aCycle_isRefused() {
    assertThatThrownBy(
            () ->
                ServiceGraph.manager(
                    Set.of(new Store(), new Sessions()),
                    Set.of(
                        new DependsOn(Sessions.class, Store.class),
                        new DependsOn(Store.class, Sessions.class))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cycle");
  }
}
