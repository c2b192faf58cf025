package io.ablserve.server.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ablserve.server.store.SqliteDatabase;
import io.ablserve.server.store.SqliteSessionStore;
import io.ablserve.server.store.StoreException;
import io.ablserve.server.store.StoreWriter;
import io.ablserve.server.testing.Poll;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.StepMetrics;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An event log over the real SQLite store and its writer thread. */
class EventLogStoreTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private SqliteDatabase db;
  private SqliteSessionStore store;

  @BeforeEach
  void open() throws Exception {
    db = SqliteDatabase.open(dir.resolve("ablserve.db"));
    db.writer().startAsync().awaitRunning();
    store = new SqliteSessionStore(db);
    store.put(running());
  }

  @AfterEach
  void close() {
    db.close();
  }

  private static Session running() {
    return Session.newBuilder().setId("s").setOwner("alice")
        .setState(SessionState.SESSION_STATE_RUNNING).build();
  }

  private static SessionEvent.Builder step(int step) {
    return SessionEvent.newBuilder().setStep(StepMetrics.newBuilder().setStep(step));
  }

  /**
   * A second connection to the file adds a trigger that refuses the event with {@code sequence}: the
   * store's connection then fails that insert as SQLite fails any write, and it is a StoreException.
   */
  private void refuseSequence(long sequence) throws Exception {
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ablserve.db"));
        Statement s = other.createStatement()) {
      s.execute("CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.sequence = " + sequence
          + " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    }
  }

  private void stopRefusing() throws Exception {
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ablserve.db"));
        Statement s = other.createStatement()) {
      s.execute("DROP TRIGGER refuse");
    }
  }

  @Test
  void telemetry_isReadOnceCommitted_inOrder_andSignalledFromTheWriterThread() throws Exception {
    EventLog log = new EventLog("s", store, Clock.systemUTC());
    Set<String> signalledOn = ConcurrentHashMap.newKeySet();
    log.subscribe(() -> signalledOn.add(Thread.currentThread().getName()));

    for (int i = 0; i < 500; i++) {
      log.append(step(i), false);
    }
    Poll.until("500 events committed", WAIT, () -> log.size() == 500);

    assertThat(log.read(0, 1000)).extracting(SessionEvent::getSequence)
        .containsExactlyElementsOf(LongStream.range(0, 500).boxed().toList());
    assertThat(store.readEvents("s", 0, 1000)).hasSize(500);
    assertThat(signalledOn).containsExactly(StoreWriter.THREAD_NAME);
    assertThat(db.writer().transactions()).isLessThan(500);
  }

  @Test
  void aStateChange_isInTheStoreWhenAppendReturns_andOnlyThenTerminalToReaders() throws Exception {
    EventLog log = new EventLog("s", store, Clock.systemUTC());
    log.append(step(0), false);
    Session succeeded = running().toBuilder().setState(SessionState.SESSION_STATE_SUCCEEDED).build();

    // What the session takes on in memory happens before a reader can see the event: a watcher that saw
    // SUCCEEDED and then asked for the session read RUNNING.
    java.util.concurrent.atomic.AtomicLong logSizeWhenStored = new java.util.concurrent.atomic.AtomicLong(-1);

    log.append(
        TelemetryEvents.stateChange(SessionState.SESSION_STATE_SUCCEEDED, ""), true, succeeded,
        () -> logSizeWhenStored.set(log.size()));

    assertThat(logSizeWhenStored).hasValue(1);
    assertThat(store.find("s").orElseThrow().getState())
        .isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
    assertThat(store.eventCount("s")).isEqualTo(2);
    assertThat(log.isFinished()).isTrue();
    assertThat(log.isLast(log.read(1, 1).get(0))).isTrue();
  }

  @Test
  void aQueuedWriteThatFails_isThrownByTheNextAppend_andTheLogStaysGapFree() throws Exception {
    EventLog log = new EventLog("s", store, Clock.systemUTC());
    for (int i = 0; i < 10; i++) {
      log.append(step(i), false);
    }
    Poll.until("10 events committed", WAIT, () -> log.size() == 10);
    refuseSequence(12);

    for (int i = 10; i < 15; i++) {
      log.append(step(i), false); // 12 fails on the writer thread; 13 and 14, queued after it, are dropped
    }
    Poll.until("the failure to reach the log", WAIT, () -> log.appended() == 12);

    assertThatThrownBy(() -> log.append(step(99), false))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("append event 12")
        .hasMessageContaining("database or disk is full");
    assertThat(log.size()).isEqualTo(12);

    stopRefusing();
    log.append(step(12), false);
    Poll.until("the retried step committed", WAIT, () -> log.size() == 13);
    assertThat(store.readEvents("s", 0, 100)).extracting(SessionEvent::getSequence)
        .containsExactlyElementsOf(LongStream.range(0, 13).boxed().toList());
    assertThat(log.read(12, 1).get(0).getStep().getStep()).isEqualTo(12);
  }

  @Test
  void aStateChangeTheStoreRefuses_throwsToItsCaller_andLeavesTheLogAsItWas() throws Exception {
    EventLog log = new EventLog("s", store, Clock.systemUTC());
    log.append(step(0), false);
    Poll.until("the step committed", WAIT, () -> log.size() == 1);
    refuseSequence(1);
    Session failed = running().toBuilder().setState(SessionState.SESSION_STATE_FAILED).build();

    assertThatThrownBy(() -> log.append(
            TelemetryEvents.stateChange(SessionState.SESSION_STATE_FAILED, "x"), true, failed))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("database or disk is full");

    assertThat(log.isFinished()).isFalse();
    assertThat(log.size()).isEqualTo(1);
    assertThat(store.find("s").orElseThrow().getState()).isEqualTo(SessionState.SESSION_STATE_RUNNING);
    stopRefusing();
    log.append(
        TelemetryEvents.stateChange(SessionState.SESSION_STATE_FAILED, "x"), true, failed);
    assertThat(store.eventCount("s")).isEqualTo(2);
  }
}
