package io.ablserve.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.util.JsonFormat;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.EvaluateResponse;
import io.ablserve.v1.ModelFormat;
import io.ablserve.v1.ModelMetadata;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionState;
import io.grpc.Deadline;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AblClientTest {
  private final InProcessServer server = new InProcessServer();
  private final AblClient client = new AblClient(server.channel, Duration.ofSeconds(5));

  @AfterEach
  void stop() throws InterruptedException {
    client.close();
    server.close();
  }

  @Test
  void unaryCalls_carryThePerCallDeadline() {
    client.createSession(SessionConfig.getDefaultInstance());
    client.getSession("s-1");
    client.listSessions();

    assertThat(server.service.deadlines).hasSize(3).allSatisfy(call -> {
      Deadline deadline = call.getValue();
      assertThat(deadline).as(call.getKey()).isNotNull();
      assertThat(deadline.timeRemaining(TimeUnit.MILLISECONDS)).isBetween(1L, 5_000L);
    });
  }

  @Test
  void unaryCall_pastItsDeadline_failsWithDeadlineExceeded() {
    AblClient impatient = new AblClient(server.channel, Duration.ofMillis(100));

    assertThatThrownBy(() -> impatient.getSession(ScriptedSessionService.HANGING))
        .isInstanceOfSatisfying(AblClientException.class,
            e -> assertThat(e.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
  }

  @Test
  void getSession_unknownId_throwsNotFoundWithTheServerDescription() {
    assertThatThrownBy(() -> client.getSession("nope"))
        .isInstanceOfSatisfying(AblClientException.class, e -> {
          assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND);
          assertThat(e.description()).isEqualTo("session nope not found");
          assertThat(e).hasMessage("NOT_FOUND: session nope not found");
        });
  }

  @Test
  void createSession_returnsTheSessionWithResolvedDefaults() {
    Session session = client.createSession(SessionConfig.getDefaultInstance());

    assertThat(session.getId()).isEqualTo("s-1");
    assertThat(session.getState()).isEqualTo(SessionState.SESSION_STATE_QUEUED);
    assertThat(session.getConfig().getAbl().getEpochs()).isEqualTo(3);
  }

  @Test
  void watch_sendsFromSequenceAndFollow_withoutADeadline() {
    client.createSession(SessionConfig.getDefaultInstance());

    List<SessionEvent> events = new ArrayList<>();
    try (SessionEventStream stream = client.watch("s-1", 5, true)) {
      stream.forEachRemaining(events::add);
    }

    assertThat(server.service.watches.get(0).getFromSequence()).isEqualTo(5);
    assertThat(server.service.watches.get(0).getFollow()).isTrue();
    assertThat(events).extracting(SessionEvent::getSequence)
        .containsExactly(5L, 6L, 7L, 8L, 9L, 10L, 11L);
    assertThat(server.service.deadlines)
        .filteredOn(call -> call.getKey().equals("WatchSession"))
        .extracting(Map.Entry::getValue)
        .containsExactly((Deadline) null);
  }

  @Test
  void watch_closedFromAnotherThread_cancelsTheCallAndUnblocksTheReader() throws Exception {
    SessionEventStream stream = client.watch(ScriptedSessionService.LIVE, 0, true);
    assertThat(stream.next().getState().getState()).isEqualTo(SessionState.SESSION_STATE_RUNNING);
    CompletableFuture<Boolean> blockedReader = CompletableFuture.supplyAsync(stream::hasNext);

    stream.close();

    assertThat(server.service.liveWatchCancelled.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(blockedReader).failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(AblClientException.class,
            e -> assertThat(e.code()).isEqualTo(Status.Code.CANCELLED));
  }

  @Test
  void close_leavesABorrowedChannelOpen() {
    client.close();

    assertThat(server.channel.isShutdown()).isFalse();
  }

  @Test
  void forAddress_rejectsAnEmptyAddress() {
    assertThatThrownBy(() -> AblClient.forAddress(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host:port");
  }

  @Test
  void exportModel_writesTheParamsFileAndItsMetadataJson(@TempDir Path dir) throws Exception {
    ModelMetadata metadata = client.exportModel("s-1", dir.resolve("out"));

    assertThat(metadata).isEqualTo(ScriptedResultsService.metadata());
    assertThat(Files.readAllBytes(dir.resolve("out/model-0000.params")))
        .isEqualTo(ScriptedResultsService.PARAMS);
    ModelMetadata.Builder json = ModelMetadata.newBuilder();
    JsonFormat.parser().merge(Files.readString(dir.resolve("out/metadata.json")), json);
    assertThat(json.build()).isEqualTo(metadata);
    try (Stream<Path> files = Files.list(dir.resolve("out"))) {
      assertThat(files).hasSize(2); // no partial file left behind
    }
  }

  @Test
  void exportModel_inSafetensors_writesThatFileCheckedAgainstItsOwnChecksum(@TempDir Path dir)
      throws Exception {
    client.exportModel("s-1", dir.resolve("out"), ModelFormat.MODEL_FORMAT_SAFETENSORS);

    assertThat(Files.readAllBytes(dir.resolve("out/model.safetensors")))
        .isEqualTo(ScriptedResultsService.SAFETENSORS);
    assertThat(dir.resolve("out/model-0000.params")).doesNotExist();
    assertThat(dir.resolve("out/metadata.json")).exists();
  }

  @Test
  void exportModel_bytesThatDoNotMatchTheChecksum_areDataLossAndWriteNothing(@TempDir Path dir) {
    server.results.corrupt = true;

    assertThatThrownBy(() -> client.exportModel("s-1", dir))
        .isInstanceOfSatisfying(AblClientException.class,
            e -> assertThat(e.code()).isEqualTo(Status.Code.DATA_LOSS));
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void exportModel_unknownSession_isNotFound(@TempDir Path dir) {
    assertThatThrownBy(() -> client.exportModel("nope", dir))
        .isInstanceOfSatisfying(AblClientException.class,
            e -> assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND));
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void evaluate_sendsOnlyWhatWasGiven() {
    EvaluateResponse clean = client.evaluate("s-1", null, null);
    client.evaluate(
        "s-1", DatasetSpec.newBuilder().setTestLimit(100).build(),
        AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_BLEND).build());

    assertThat(clean.getAttackSuccessRate()).isNaN();
    assertThat(server.results.evaluations.get(0).hasDataset()).isFalse();
    assertThat(server.results.evaluations.get(0).hasAttack()).isFalse();
    assertThat(server.results.evaluations.get(1).getDataset().getTestLimit()).isEqualTo(100);
    assertThat(server.results.evaluations.get(1).getAttack().getKind())
        .isEqualTo(AttackKind.ATTACK_KIND_BLEND);
  }

  private void addRunningSession(String id) {
    server.service.addSession(
        Session.newBuilder().setId(id).setState(SessionState.SESSION_STATE_RUNNING).build(),
        List.of());
  }

  @Test
  void cancelSession_returnsOnceTheSessionReadsCancelled() {
    addRunningSession("r-1");

    assertThat(client.cancelSession("r-1").getState()).isEqualTo(SessionState.SESSION_STATE_CANCELLED);
  }

  @Test
  void cancelSession_withoutWaiting_returnsWhatTheServerAnswered() {
    addRunningSession("r-1");

    assertThat(client.cancelSession("r-1", false).getState())
        .isEqualTo(SessionState.SESSION_STATE_RUNNING);
  }

  @Test
  void findSession_takesAUniquePrefixAndRefusesAnAmbiguousOne() {
    addRunningSession("abc-1");
    addRunningSession("abc-2");
    addRunningSession("xyz-1");

    assertThat(client.findSession("xyz-1").getId()).isEqualTo("xyz-1");
    assertThat(client.findSession("xy").getId()).isEqualTo("xyz-1");
    assertThatThrownBy(() -> client.findSession("abc"))
        .isInstanceOfSatisfying(AblClientException.class, e -> {
          assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.description()).contains("'abc' is ambiguous", "abc-2, abc-1");
        });
    assertThatThrownBy(() -> client.findSession("nope"))
        .isInstanceOfSatisfying(AblClientException.class,
            e -> assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void exportModel_refused_createsNoFolder(@TempDir Path dir) {
    Path out = dir.resolve("models").resolve("nope");

    assertThatThrownBy(() -> client.exportModel("nope", out)).isInstanceOf(AblClientException.class);
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void addressWithoutPort_meansTheDefaultPort() {
    assertThat(AblClient.withDefaultPort("localhost")).isEqualTo("localhost:50051");
    assertThat(AblClient.withDefaultPort("10.0.0.5")).isEqualTo("10.0.0.5:50051");
    assertThat(AblClient.withDefaultPort("trainer:6000")).isEqualTo("trainer:6000");
    assertThat(AblClient.withDefaultPort("[::1]")).isEqualTo("[::1]:50051");
    assertThat(AblClient.withDefaultPort("::1")).isEqualTo("[::1]:50051");
    assertThat(AblClient.withDefaultPort("[::1]:7000")).isEqualTo("[::1]:7000");
    assertThat(AblClient.withDefaultPort("dns:///trainer:6000")).isEqualTo("dns:///trainer:6000");
  }

  @Test
  void noServerAtTheAddress_saysSoAndWhatToDo() throws Exception {
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort(); // free a moment ago: nothing listens on it once closed
    }
    try (AblClient nobody = AblClient.forAddress("127.0.0.1:" + port, Duration.ofSeconds(5))) {
      assertThatThrownBy(nobody::listSessions)
          .isInstanceOfSatisfying(AblClientException.class, e -> {
            assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.description())
                .startsWith("no ablserve server at 127.0.0.1:" + port + ": is it running?")
                .contains("bin/ablserve-server");
          });
    }
  }

  @Test
  void getIsolation_beforeIsolation_isFailedPrecondition() {
    assertThatThrownBy(() -> client.getIsolation("s-1"))
        .isInstanceOfSatisfying(AblClientException.class,
            e -> assertThat(e.code()).isEqualTo(Status.Code.FAILED_PRECONDITION));
  }
}
