package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.session.Trainer;
import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.CancelSessionRequest;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.IsolationLoss;
import io.ablserve.v1.ListSessionsRequest;
import io.ablserve.v1.LossReduction;
import io.ablserve.v1.ModelArch;
import io.ablserve.v1.ModelSpec;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;

/**
 * A real server per test, reached through real stubs over the subclass's transport. A scripted trainer
 * stands in for ABL so sessions can be held RUNNING, failed or finished at will.
 */
abstract class ServiceTestBase {
  static final Duration WAIT = Duration.ofSeconds(20);

  private final List<TestServer> servers = new ArrayList<>();
  ScriptedTrainer trainer;
  TestServer server;

  abstract TestServer.Transport transport();

  TestServer start(ScriptedTrainer scripted, ServerConfig config) throws Exception {
    trainer = scripted;
    server = TestServer.start(transport(), config, new TestingTrainingModule(scripted));
    servers.add(server);
    return server;
  }

  /** A server with a trainer of the test's own; {@link #trainer} stays unset. */
  TestServer start(Trainer other, ServerConfig config) throws Exception {
    server = TestServer.start(transport(), config, new TestingTrainingModule(other));
    servers.add(server);
    return server;
  }

  TestServer start(ScriptedTrainer scripted) throws Exception {
    return start(scripted, TestServer.CONFIG);
  }

  @AfterEach
  void stopServers() throws Exception {
    if (trainer != null) {
      trainer.release();
    }
    for (TestServer s : servers) {
      s.close();
    }
  }

  static SessionConfig config(UnaryOperator<SessionConfig.Builder> edit) {
    SessionConfig.Builder b = SessionConfig.newBuilder().setDisplayName("test");
    return edit.apply(b).build();
  }

  Session create(SessionConfig config) {
    return server.blocking().createSession(CreateSessionRequest.newBuilder().setConfig(config).build());
  }

  Session create(SessionConfig config, int priority) {
    return server.blocking().createSession(
        CreateSessionRequest.newBuilder().setConfig(config).setPriority(priority).build());
  }

  Session get(String id) {
    return server.blocking().getSession(GetSessionRequest.newBuilder().setSessionId(id).build());
  }

  Session cancel(String id) {
    return server.blocking().cancelSession(CancelSessionRequest.newBuilder().setSessionId(id).build());
  }

  List<SessionEvent> watch(String id, long from, boolean follow) {
    List<SessionEvent> events = new ArrayList<>();
    server
        .blocking()
        .watchSession(
            WatchSessionRequest.newBuilder()
                .setSessionId(id)
                .setFromSequence(from)
                .setFollow(follow)
                .build())
        .forEachRemaining(events::add);
    return events;
  }

  void awaitState(String id, SessionState state) throws InterruptedException {
    Poll.until(id + " to be " + state, WAIT, () -> get(id).getState() == state);
  }

  static void assertStatus(ThrowingCallable call, Status.Code code, String descriptionPart) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).contains(descriptionPart);
            });
  }

  void assertInvalid(UnaryOperator<SessionConfig.Builder> edit, String field) {
    assertStatus(() -> create(config(edit)), Status.Code.INVALID_ARGUMENT, field);
  }

  static SessionState lastState(List<SessionEvent> events) {
    SessionEvent last = events.get(events.size() - 1);
    assertThat(last.hasState()).as("last event is a state change: %s", last).isTrue();
    return last.getState().getState();
  }
}
