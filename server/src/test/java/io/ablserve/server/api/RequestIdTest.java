package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ablserve.server.store.StoreModule;
import io.ablserve.server.testing.BearerToken;
import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.DeleteSessionRequest;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.ListSessionsRequest;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionState;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CreateSession's request_id: a retried call returns the first call's session, across restarts. */
class RequestIdTest {
  private static final String ALICE = "alice-token-0123456789";
  private static final String BOB = "bob-token-0123456789";

  @TempDir Path dir;
  private ScriptedTrainer trainer = new ScriptedTrainer(1, true);
  private TestServer server;

  @AfterEach
  void stop() throws Exception {
    trainer.release();
    if (server != null) {
      server.close();
    }
  }

  private void start() throws Exception {
    Path tokens = dir.resolve("tokens");
    if (!Files.exists(tokens)) {
      Files.writeString(tokens, ALICE + " alice\n" + BOB + " bob\n");
    }
    server =
        TestServer.start(
            TestServer.Transport.IN_PROCESS,
            TestServer.CONFIG.withDataDir(dir.resolve("data")).withTokenFile(tokens),
            new TestingTrainingModule(trainer),
            new StoreModule());
  }

  private SessionServiceGrpc.SessionServiceBlockingStub as(String token) {
    return SessionServiceGrpc.newBlockingStub(server.channel())
        .withCallCredentials(new BearerToken(token))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private Session create(String token, String requestId, int trainLimit) {
    return as(token)
        .createSession(
            CreateSessionRequest.newBuilder()
                .setRequestId(requestId)
                .setConfig(
                    SessionConfig.newBuilder()
                        .setDataset(DatasetSpec.newBuilder().setTrainLimit(trainLimit)))
                .build());
  }

  private int count(String token) {
    return as(token).listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsCount();
  }

  @Test
  void createSession_withARequestIdTwice_createsOnce_perOwner_andRemembersItAcrossRestarts()
      throws Exception {
    start();
    String requestId = UUID.randomUUID().toString();
    Session first = create(ALICE, requestId, 2);
    trainer.awaitStarted();
    Session retried = create(ALICE, requestId, 2);
    assertThat(retried.getId()).isEqualTo(first.getId());
    assertThat(retried.getState()).as("its current state").isEqualTo(SessionState.SESSION_STATE_RUNNING);
    assertThat(create(ALICE, requestId.toUpperCase(), 2).getId())
        .as("the same UUID in capitals")
        .isEqualTo(first.getId());
    assertThat(count(ALICE)).isEqualTo(1);

    Session bobs = create(BOB, requestId, 2);
    assertThat(bobs.getId()).as("another owner's request ids are their own").isNotEqualTo(first.getId());
    assertThat(create(ALICE, UUID.randomUUID().toString(), 2).getId()).isNotEqualTo(first.getId());
    assertThat(create(ALICE, "", 2).getId()).isNotEqualTo(create(ALICE, "", 2).getId());
    assertThat(count(ALICE)).isEqualTo(4);

    server.close();
    trainer = new ScriptedTrainer(1, false);
    start();
    assertThat(create(ALICE, requestId, 2).getId()).isEqualTo(first.getId());
    assertThat(create(BOB, requestId, 2).getId()).isEqualTo(bobs.getId());
    assertThat(count(ALICE)).isEqualTo(4);

    // Once deleted, the request id names nothing: a retry creates a new session.
    Poll.until("the first session to finish", Duration.ofSeconds(30),
        () -> ended(as(ALICE).getSession(
            GetSessionRequest.newBuilder().setSessionId(first.getId()).build()).getState()));
    as(ALICE).deleteSession(DeleteSessionRequest.newBuilder().setSessionId(first.getId()).build());
    assertThat(create(ALICE, requestId, 2).getId()).isNotEqualTo(first.getId());
  }

  @Test
  void createSession_refusesARequestIdThatIsNotAUuid_namingTheField() throws Exception {
    start();
    for (String bad : new String[] {"retry-1", UUID.randomUUID() + "x", "x".repeat(10_000)}) {
      assertThatThrownBy(() -> create(ALICE, bad, 2))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains("request_id must be a UUID").hasSizeLessThan(512);
            assertThat(ListPagingTest.fieldViolations(e)).containsExactly("request_id");
          });
    }
    assertThat(count(ALICE)).isZero();
  }

  private static boolean ended(SessionState state) {
    return state != SessionState.SESSION_STATE_QUEUED && state != SessionState.SESSION_STATE_RUNNING;
  }
}
