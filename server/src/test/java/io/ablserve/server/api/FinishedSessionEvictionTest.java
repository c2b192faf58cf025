package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.session.SessionManager;
import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.v1.CancelSessionRequest;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.ListSessionsRequest;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.WatchSessionRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Finished sessions leave the server's memory once their end is stored (#15): a server that has run
 * thousands of sessions holds only what is queued or running, and answers for the rest from the store.
 */
class FinishedSessionEvictionTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void finishedSessions_areEvicted_andStillAnsweredAsBefore() throws Exception {
    ScriptedTrainer trainer = new ScriptedTrainer(3, true);
    try (TestServer server =
        TestServer.start(TestServer.Transport.IN_PROCESS, TestServer.CONFIG,
            new TestingTrainingModule(trainer))) {
      SessionManager sessions = server.instance(SessionManager.class);
      String ran = create(server);
      trainer.awaitStarted();
      String cancelled = create(server);
      server.blocking().cancelSession(CancelSessionRequest.newBuilder().setSessionId(cancelled).build());
      trainer.release();
      String next = create(server);
      Poll.until("the sessions to end", WAIT,
          () -> get(server, ran).getState() == SessionState.SESSION_STATE_SUCCEEDED
              && get(server, next).getState() == SessionState.SESSION_STATE_SUCCEEDED);
      Map<String, Session> before = new TreeMap<>();
      Map<String, List<SessionEvent>> logsBefore = new TreeMap<>();
      for (String id : List.of(ran, cancelled, next)) {
        before.put(id, get(server, id));
        logsBefore.put(id, log(server, id));
      }

      Poll.until("finished sessions evicted", WAIT, () -> sessions.sessionsInMemory() == 0);

      for (String id : before.keySet()) {
        assertThat(get(server, id)).as(id).isEqualTo(before.get(id));
        assertThat(log(server, id)).as(id).isEqualTo(logsBefore.get(id));
      }
      assertThat(server.blocking().listSessions(ListSessionsRequest.getDefaultInstance())
              .getSessionsList())
          .containsExactlyInAnyOrderElementsOf(before.values());
      // And the trainer goes on: a new session is tracked, runs and is evicted in turn.
      String later = create(server);
      Poll.until(later + " to succeed", WAIT,
          () -> get(server, later).getState() == SessionState.SESSION_STATE_SUCCEEDED);
      Poll.until("it evicted too", WAIT, () -> sessions.sessionsInMemory() == 0);
    }
  }

  private static String create(TestServer server) {
    return server.blocking()
        .createSession(CreateSessionRequest.newBuilder()
            .setConfig(SessionConfig.newBuilder()
                .setDataset(DatasetSpec.newBuilder().setTrainLimit(100)))
            .build())
        .getId();
  }

  private static Session get(TestServer server, String id) {
    return server.blocking().getSession(GetSessionRequest.newBuilder().setSessionId(id).build());
  }

  private static List<SessionEvent> log(TestServer server, String id) {
    List<SessionEvent> events = new ArrayList<>();
    server.blocking()
        .watchSession(WatchSessionRequest.newBuilder().setSessionId(id).setFollow(false).build())
        .forEachRemaining(events::add);
    return events;
  }
}
