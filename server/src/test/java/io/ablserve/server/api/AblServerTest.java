package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.DatasetServiceGrpc;
import io.ablserve.v1.ResultsServiceGrpc;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the server offers besides SessionService, and how it stops. */
class AblServerTest {

  @Test
  void server_reportsHealthyAndOffersReflection() throws Exception {
    try (TestServer server = scripted()) {
      assertThat(health(server, "")).isEqualTo(ServingStatus.SERVING);

      CompletableFuture<ServerReflectionResponse> reply = new CompletableFuture<>();
      StreamObserver<ServerReflectionRequest> requests =
          ServerReflectionGrpc.newStub(server.channel())
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .serverReflectionInfo(completing(reply));
      requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
      List<String> services =
          reply.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
              .map(ServiceResponse::getName)
              .toList();
      requests.onCompleted();

      assertThat(services)
          .contains(
              SessionServiceGrpc.SERVICE_NAME,
              DatasetServiceGrpc.SERVICE_NAME,
              ResultsServiceGrpc.SERVICE_NAME,
              HealthGrpc.SERVICE_NAME,
              ServerReflectionGrpc.SERVICE_NAME,
              io.grpc.reflection.v1alpha.ServerReflectionGrpc.SERVICE_NAME);
    }
  }

  @Test
  void reflectionV1alpha_listsTheServicesForOlderClients() throws Exception {
    try (TestServer server = scripted()) {
      CompletableFuture<io.grpc.reflection.v1alpha.ServerReflectionResponse> reply =
          new CompletableFuture<>();
      StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> requests =
          io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(server.channel())
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .serverReflectionInfo(completing(reply));
      requests.onNext(
          io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("").build());
      List<String> services =
          reply.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
              .map(io.grpc.reflection.v1alpha.ServiceResponse::getName)
              .toList();
      requests.onCompleted();

      assertThat(services)
          .contains(
              SessionServiceGrpc.SERVICE_NAME,
              DatasetServiceGrpc.SERVICE_NAME,
              ResultsServiceGrpc.SERVICE_NAME,
              HealthGrpc.SERVICE_NAME);
    }
  }

  @Test
  void health_answersForEachServiceByName() throws Exception {
    try (TestServer server = scripted()) {
      for (String service :
          List.of(
              SessionServiceGrpc.SERVICE_NAME,
              DatasetServiceGrpc.SERVICE_NAME,
              ResultsServiceGrpc.SERVICE_NAME,
              HealthGrpc.SERVICE_NAME,
              ServerReflectionGrpc.SERVICE_NAME)) {
        assertThat(health(server, service)).as(service).isEqualTo(ServingStatus.SERVING);
      }
    }
  }

  private static TestServer scripted() throws Exception {
    return TestServer.start(
        TestServer.Transport.NETTY,
        TestServer.CONFIG,
        new TestingTrainingModule(new ScriptedTrainer(1, false)));
  }

  static ServingStatus health(TestServer server, String service) {
    return HealthGrpc.newBlockingStub(server.channel())
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }

  private static <T> StreamObserver<T> completing(CompletableFuture<T> reply) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        reply.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        reply.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  @Test
  void close_interruptsTheRunningSessionAndEndsItsWatchers() throws Exception {
    ScriptedTrainer trainer = new ScriptedTrainer(1, true);
    TestServer server =
        TestServer.start(
            TestServer.Transport.IN_PROCESS, TestServer.CONFIG, new TestingTrainingModule(trainer));
    String id =
        server.blocking()
            .createSession(
                CreateSessionRequest.newBuilder()
                    .setConfig(SessionConfig.getDefaultInstance())
                    .build())
            .getId();
    EventCollector watcher = new EventCollector();
    SessionServiceGrpc.newStub(server.channel())
        .watchSession(
            WatchSessionRequest.newBuilder().setSessionId(id).setFollow(true).build(), watcher);
    trainer.awaitStarted();

    server.close();

    List<SessionEvent> events = watcher.awaitCompleted();
    assertThat(ServiceTestBase.lastState(events)).isEqualTo(SessionState.SESSION_STATE_INTERRUPTED);
  }
}
