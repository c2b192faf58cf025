package io.ablserve.server.session;

import io.ablserve.server.store.InMemorySessionStore;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.StateChange;
import io.ablserve.v1.StepMetrics;
import java.time.Clock;

/** Event logs for tests outside this package, on the heap store. */
public final class EventLogs {
  private EventLogs() {}

  /** A finished log: {@code steps} step events, then a SUCCEEDED state event. */
  public static EventLog finished(String sessionId, int steps) {
    InMemorySessionStore store = new InMemorySessionStore();
    store.put(Session.newBuilder().setId(sessionId).build());
    EventLog log = new EventLog(sessionId, store, Clock.systemUTC());
    for (int i = 0; i < steps; i++) {
      log.append(SessionEvent.newBuilder().setStep(StepMetrics.newBuilder().setStep(i)), false);
    }
    log.append(
        SessionEvent.newBuilder()
            .setState(StateChange.newBuilder().setState(SessionState.SESSION_STATE_SUCCEEDED)),
        true);
    return log;
  }
}
