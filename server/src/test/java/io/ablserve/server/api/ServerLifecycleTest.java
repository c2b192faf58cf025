package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.AbstractIdleService;
import com.google.common.util.concurrent.Service;
import com.google.inject.AbstractModule;
import com.google.inject.Inject;
import com.google.inject.Module;
import com.google.inject.Singleton;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.util.Modules;
import io.ablserve.server.lifecycle.DependsOn;
import io.ablserve.server.session.SessionManagerService;
import io.ablserve.server.store.SqliteDatabase;
import io.ablserve.server.store.SqliteSessionStore;
import io.ablserve.server.store.StoreModule;
import io.ablserve.server.store.StoreWriter;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionState;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's services: started in dependency order, stopped in reverse, a failed start stops all. */
class ServerLifecycleTest {
  @TempDir Path dataDir;

  private static final List<String> log = new CopyOnWriteArrayList<>();

  /**
   * Sits under the sessions (they depend on it, as on the store's writer): at its stop it notes what it
   * sees of the services above it and of health.
   */
  static final class Witness extends AbstractIdleService {
    private final SessionManagerService sessions;
    private final HealthStatusManager health;

    @Inject
    Witness(SessionManagerService sessions, HealthStatusManager health) {
      this.sessions = sessions;
      this.health = health;
    }

    @Override
    protected void startUp() {
      log.add("witness started; sessions " + sessions.state());
    }

    @Override
    protected void shutDown() throws Exception {
      log.add("witness stopping; sessions " + sessions.state() + ", health " + health());
    }

    private ServingStatus health() throws Exception {
      CompletableFuture<ServingStatus> status = new CompletableFuture<>();
      // The service object answers without a transport, which is stopping.
      ((io.grpc.health.v1.HealthGrpc.AsyncService) health.getHealthService())
          .check(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(HealthCheckResponse value) {
              status.complete(value.getStatus());
            }

            @Override
            public void onError(Throwable t) {
              status.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
          });
      return status.get(5, TimeUnit.SECONDS);
    }
  }

  static final class Broken extends AbstractIdleService {
    @Inject
    Broken() {}

    @Override
    protected void startUp() throws IOException {
      throw new IOException("cannot bind 127.0.0.1:9400: address in use");
    }

    @Override
    protected void shutDown() {}

    @Override
    protected String serviceName() {
      return "broken";
    }
  }

  /** Runs until told to die, then fails as a writer thread would on an unexpected error. */
  static final class Crashing extends com.google.common.util.concurrent.AbstractExecutionThreadService {
    static final java.util.concurrent.CountDownLatch die = new java.util.concurrent.CountDownLatch(1);

    @Inject
    Crashing() {}

    @Override
    protected void run() throws InterruptedException {
      while (isRunning()) {
        if (die.await(10, TimeUnit.MILLISECONDS)) {
          throw new IllegalStateException("the disk controller went away");
        }
      }
    }
  }

  private static Module plus(Class<? extends Service> service, DependsOn... edges) {
    return new AbstractModule() {
      @Override
      protected void configure() {
        bind(service).in(Singleton.class);
        Multibinder.newSetBinder(binder(), Service.class).addBinding().to(service);
        Multibinder<DependsOn> dependencies = Multibinder.newSetBinder(binder(), DependsOn.class);
        for (DependsOn edge : edges) {
          dependencies.addBinding().toInstance(edge);
        }
      }
    };
  }

  private TestServer durable(Module extra) throws IOException {
    return TestServer.start(
        TestServer.Transport.NETTY,
        TestServer.CONFIG.withDataDir(dataDir),
        Modules.combine(new TestingTrainingModule(new ScriptedTrainer(1, false)), extra),
        new StoreModule());
  }

  @Test
  void sessionsStartAfterWhatTheyDependOn_andStopBeforeIt_afterHealthWentNotServing()
      throws Exception {
    log.clear();
    TestServer server =
        durable(plus(Witness.class, new DependsOn(SessionManagerService.class, Witness.class)));

    server.close();

    assertThat(log)
        .containsExactly(
            "witness started; sessions NEW",
            "witness stopping; sessions TERMINATED, health NOT_SERVING");
  }

  @Test
  void aServiceThatFailsToStart_stopsTheServer_withItsReason() throws Exception {
    assertThatThrownBy(
            () -> durable(plus(Broken.class, new DependsOn(Broken.class, SessionManagerService.class))))
        .isInstanceOf(IOException.class)
        .hasMessage("cannot start: broken: cannot bind 127.0.0.1:9400: address in use");
    // The writer stopped and the file was closed: another server opens it and finds it consistent.
    try (TestServer again = durable(Modules.EMPTY_MODULE)) {
      assertThat(again.blocking().listSessions(
          io.ablserve.v1.ListSessionsRequest.getDefaultInstance()).getSessionsList()).isEmpty();
    }
  }

  @Test
  void aServiceThatDiesWhileServing_turnsHealthNotServing() throws Exception {
    try (TestServer server = durable(plus(Crashing.class))) {
      io.grpc.health.v1.HealthGrpc.HealthBlockingStub health =
          io.grpc.health.v1.HealthGrpc.newBlockingStub(server.channel())
              .withDeadlineAfter(10, TimeUnit.SECONDS);
      assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .isEqualTo(ServingStatus.SERVING);

      Crashing.die.countDown();

      io.ablserve.server.testing.Poll.until(
          "health NOT_SERVING", java.time.Duration.ofSeconds(30),
          () -> io.grpc.health.v1.HealthGrpc.newBlockingStub(server.channel())
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .check(HealthCheckRequest.getDefaultInstance()).getStatus()
              == ServingStatus.NOT_SERVING);
    }
  }

  @Test
  void createSession_returnsOnceTheSessionIsCommitted_byTheWriterThreadAlone() throws Exception {
    try (TestServer server = durable(Modules.EMPTY_MODULE)) {
      SqliteDatabase db = server.instance(SqliteDatabase.class);
      long before = db.writer().transactions();

      // SqliteDatabase refuses a transaction on any thread but the writer's, so a write from the gRPC
      // thread would fail this call.
      Session created =
          server.blocking()
              .createSession(
                  CreateSessionRequest.newBuilder().setConfig(SessionConfig.getDefaultInstance()).build());

      Session stored = new SqliteSessionStore(db).find(created.getId()).orElseThrow();
      assertThat(stored.getState()).isIn(
          SessionState.SESSION_STATE_QUEUED, SessionState.SESSION_STATE_RUNNING,
          SessionState.SESSION_STATE_SUCCEEDED);
      assertThat(db.writer().transactions()).isGreaterThan(before);
      assertThat(db.writer().isRunning()).isTrue();
      assertThat(StoreWriter.THREAD_NAME).isEqualTo("ablserve-store-writer");
    }
  }
}
