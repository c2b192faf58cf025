package io.ablserve.server.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.store.InMemorySessionStore;
import io.ablserve.server.store.Listed;
import io.ablserve.server.store.SessionStore;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.StepMetrics;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class EventLogTest {
  private static final String ID = "s1";

  /** The real heap store, counting the reads that reach it. */
  private static final class CountingStore implements SessionStore {
    final InMemorySessionStore delegate = new InMemorySessionStore();
    final AtomicInteger reads = new AtomicInteger();

    @Override
    public void put(Session session) {
      delegate.put(session);
    }

    @Override
    public Optional<Session> find(String sessionId) {
      return delegate.find(sessionId);
    }

    @Override
    public List<Session> list() {
      return delegate.list();
    }

    @Override
    public List<Listed<Session>> listPage(Optional<String> owner, long beforeKey, int limit) {
      return delegate.listPage(owner, beforeKey, limit);
    }

    @Override
    public boolean delete(String sessionId) {
      return delegate.delete(sessionId);
    }

    @Override
    public Optional<String> findRequest(String owner, String requestId) {
      return delegate.findRequest(owner, requestId);
    }

    @Override
    public String rememberRequest(String owner, String requestId, String sessionId) {
      return delegate.rememberRequest(owner, requestId, sessionId);
    }

    @Override
    public void appendEvent(String sessionId, SessionEvent event) {
      delegate.appendEvent(sessionId, event);
    }

    @Override
    public void putWithEvent(Session session, SessionEvent event) {
      delegate.putWithEvent(session, event);
    }

    @Override
    public void probe() {}

    @Override
    public List<SessionEvent> readEvents(String sessionId, long fromSequence, int maxCount) {
      reads.incrementAndGet();
      return delegate.readEvents(sessionId, fromSequence, maxCount);
    }

    @Override
    public void removeSuperseded(String sessionId, long afterSequence, long beforeSequence) {
      delegate.removeSuperseded(sessionId, afterSequence, beforeSequence);
    }

    @Override
    public long eventCount(String sessionId) {
      return delegate.eventCount(sessionId);
    }
  }

  private static CountingStore storeWithSession() {
    CountingStore store = new CountingStore();
    store.put(Session.newBuilder().setId(ID).build());
    return store;
  }

  private static void appendSteps(EventLog log, int count) {
    for (int i = 0; i < count; i++) {
      log.append(SessionEvent.newBuilder().setStep(StepMetrics.newBuilder().setStep(i)), false);
    }
  }

  private static List<Long> sequences(List<SessionEvent> events) {
    return events.stream().map(SessionEvent::getSequence).toList();
  }

  private static List<Long> range(long from, long to) {
    return LongStream.range(from, to).boxed().toList();
  }

  @Test
  void recentEvents_areReadFromMemory_olderOnesFromTheStore_andBothAreTheStoredEvents() {
    CountingStore store = storeWithSession();
    EventLog log = new EventLog(ID, store, Clock.systemUTC());
    int appended = EventLog.TAIL + 300;
    appendSteps(log, appended);

    List<SessionEvent> recent = log.read(appended - 100, 64);
    assertThat(sequences(recent)).isEqualTo(range(appended - 100, appended - 36));
    assertThat(recent).isEqualTo(store.delegate.readEvents(ID, appended - 100, 64));
    assertThat(log.read(appended - EventLog.TAIL, 10)).hasSize(10);
    assertThat(log.read(appended - 5, 64)).hasSize(5);
    assertThat(log.read(appended, 64)).isEmpty();
    assertThat(store.reads).hasValue(0);

    // The oldest events left the tail: a replay from the start reads the store.
    List<SessionEvent> replay = log.read(0, appended);
    assertThat(sequences(replay)).isEqualTo(range(0, appended));
    assertThat(store.reads).hasValue(1);
    assertThat(log.read(appended - EventLog.TAIL - 1, 2)).extracting(SessionEvent::getSequence)
        .containsExactly((long) appended - EventLog.TAIL - 1, (long) appended - EventLog.TAIL);
    assertThat(store.reads).hasValue(2);
  }

  @Test
  void aReopenedLog_readsWhatEarlierProcessesStoredFromTheStore_andItsNewEventsFromMemory() {
    CountingStore store = storeWithSession();
    appendSteps(new EventLog(ID, store, Clock.systemUTC()), 10);

    EventLog reopened = new EventLog(ID, store, Clock.systemUTC(), 10, false);
    appendSteps(reopened, 3);

    assertThat(sequences(reopened.read(0, 100))).isEqualTo(range(0, 13));
    assertThat(store.reads).hasValue(1);
    assertThat(sequences(reopened.read(10, 100))).isEqualTo(range(10, 13));
    assertThat(store.reads).hasValue(1);
  }
}
