package io.ablserve.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.StepMetrics;
import java.nio.file.Path;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreWriterTest {
  @TempDir Path dir;

  private SqliteDatabase open(StoreWriter.Settings settings) throws Exception {
    SqliteDatabase db = SqliteDatabase.open(dir.resolve("ablserve.db"), settings);
    db.writer().startAsync().awaitRunning();
    return db;
  }

  private static Session session(String id) {
    return Session.newBuilder().setId(id).setOwner("alice")
        .setState(SessionState.SESSION_STATE_RUNNING).build();
  }

  private static SessionEvent step(long sequence) {
    return SessionEvent.newBuilder()
        .setSequence(sequence)
        .setStep(StepMetrics.newBuilder().setStep(sequence))
        .build();
  }

  /** Queues {@code count} steps of {@code id} from sequence 0 and waits for their outcomes, in order. */
  private static List<RuntimeException> appendSteps(SessionStore store, String id, int count)
      throws InterruptedException {
    CountDownLatch done = new CountDownLatch(count);
    List<RuntimeException> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
    for (long s = 0; s < count; s++) {
      store.appendEventLater(id, step(s), failure -> {
        outcomes.add(failure);
        done.countDown();
      });
    }
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    return outcomes;
  }

  @Test
  void manyQueuedEvents_commitInFarFewerTransactions() throws Exception {
    try (SqliteDatabase db = open(StoreWriter.Settings.DEFAULTS)) {
      SqliteSessionStore store = new SqliteSessionStore(db);
      store.put(session("a"));
      long before = db.writer().transactions();

      List<RuntimeException> outcomes = appendSteps(store, "a", 2000);

      assertThat(outcomes).hasSize(2000).containsOnlyNulls();
      long transactions = db.writer().transactions() - before;
      assertThat(transactions).isBetween(1L, 2000L / 10);
      assertThat(store.eventCount("a")).isEqualTo(2000);
    }
  }

  @Test
  void unbatchedWriter_commitsEachEventAlone() throws Exception {
    try (SqliteDatabase db = open(StoreWriter.Settings.UNBATCHED)) {
      SqliteSessionStore store = new SqliteSessionStore(db);
      store.put(session("a"));
      long before = db.writer().transactions();

      appendSteps(store, "a", 200);

      assertThat(db.writer().transactions() - before).isEqualTo(200);
    }
  }

  @Test
  void eventsOfEachSession_commitInSequenceOrder_gapFree_whateverTheInterleaving() throws Exception {
    try (SqliteDatabase db = open(StoreWriter.Settings.DEFAULTS)) {
      SqliteSessionStore store = new SqliteSessionStore(db);
      List<Thread> trainers = new ArrayList<>();
      ConcurrentLinkedQueue<RuntimeException> failures = new ConcurrentLinkedQueue<>();
      for (String id : List.of("a", "b", "c", "d")) {
        store.put(session(id));
        trainers.add(new Thread(() -> {
          try {
            appendSteps(store, id, 500).stream().filter(f -> f != null).forEach(failures::add);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, "trainer-" + id));
      }
      trainers.forEach(Thread::start);
      for (Thread trainer : trainers) {
        trainer.join(60_000);
      }

      assertThat(failures).isEmpty();
      for (String id : List.of("a", "b", "c", "d")) {
        assertThat(store.readEvents(id, 0, 1000))
            .extracting(SessionEvent::getSequence)
            .containsExactlyElementsOf(LongStream.range(0, 500).boxed().toList());
      }
    }
  }

  @Test
  void aBatchWithOneBadWrite_commitsTheOthers_andFailsThatOneAlone() throws Exception {
    try (SqliteDatabase db = open(new StoreWriter.Settings(64, java.time.Duration.ofMillis(50)))) {
      SqliteSessionStore store = new SqliteSessionStore(db);
      store.put(session("a"));
      store.put(session("b"));
      CountDownLatch done = new CountDownLatch(3);
      AtomicReference<RuntimeException> gap = new AtomicReference<>();
      List<RuntimeException> others = java.util.Collections.synchronizedList(new ArrayList<>());
      store.appendEventLater("a", step(0), f -> { others.add(f); done.countDown(); });
      store.appendEventLater("b", step(5), f -> { gap.set(f); done.countDown(); });
      store.appendEventLater("a", step(1), f -> { others.add(f); done.countDown(); });

      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(others).containsOnlyNulls();
      assertThat(gap.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("gap");
      assertThat(store.eventCount("a")).isEqualTo(2);
      assertThat(store.eventCount("b")).isZero();
    }
  }

  @Test
  void fullDisk_failsTheCallersWrite_withSqliteFull_andKeepsWhatWasStored() throws Exception {
    try (SqliteDatabase db = open(StoreWriter.Settings.DEFAULTS)) {
      SqliteSessionStore store = new SqliteSessionStore(db);
      store.put(session("a"));
      appendSteps(store, "a", 10);
      // The file may grow no further: SQLite answers SQLITE_FULL, as on a full disk.
      db.run("cap the file", c -> {
        try (Statement s = c.createStatement()) {
          long pages;
          try (java.sql.ResultSet rs = s.executeQuery("PRAGMA page_count")) {
            pages = rs.getLong(1);
          }
          s.execute("PRAGMA max_page_count = " + pages);
        }
        return null;
      });
      SessionEvent big =
          step(10).toBuilder()
              .setStep(StepMetrics.newBuilder().setStep(10))
              .setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
                  .addField(999, com.google.protobuf.UnknownFieldSet.Field.newBuilder()
                      .addLengthDelimited(ByteString.copyFrom(new byte[1 << 20])).build())
                  .build())
              .build();

      assertThatThrownBy(() -> store.appendEvent("a", big))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("SQLITE_FULL");
      AtomicReference<RuntimeException> later = new AtomicReference<>();
      CountDownLatch done = new CountDownLatch(1);
      store.appendEventLater("a", big, f -> { later.set(f); done.countDown(); });
      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(later.get()).isInstanceOf(StoreException.class).hasMessageContaining("SQLITE_FULL");

      assertThat(store.readEvents("a", 0, 100)).hasSize(10);
      assertThat(store.find("a")).isPresent();

      // Space again: writes go on where the log stopped.
      db.run("lift the cap", c -> {
        try (Statement s = c.createStatement()) {
          s.execute("PRAGMA max_page_count = 1073741823");
        }
        return null;
      });
      store.appendEvent("a", big);
      assertThat(store.eventCount("a")).isEqualTo(11);
    }
  }

  @Test
  void writes_runOnTheWriterThread_whicheverThreadAsks() throws Exception {
    try (SqliteDatabase db = open(StoreWriter.Settings.DEFAULTS)) {
      AtomicReference<String> writtenOn = new AtomicReference<>();
      Thread grpc = new Thread(
          () -> writtenOn.set(db.write("note the thread", c -> Thread.currentThread().getName())),
          "grpc-default-executor-0");
      grpc.start();
      grpc.join(30_000);

      assertThat(writtenOn.get()).isEqualTo(StoreWriter.THREAD_NAME);
      assertThatThrownBy(() -> db.transaction("write off the writer", c -> null))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("only " + StoreWriter.THREAD_NAME + " writes the store");
    }
  }

  @Test
  void writesQueuedBeforeAStop_commit_andLaterOnesAreRefused() throws Exception {
    Path file = dir.resolve("ablserve.db");
    SqliteDatabase db = open(StoreWriter.Settings.DEFAULTS);
    SqliteSessionStore store = new SqliteSessionStore(db);
    store.put(session("a"));
    for (long s = 0; s < 100; s++) {
      store.appendEventLater("a", step(s), f -> {});
    }
    db.writer().stopAsync().awaitTerminated(30, TimeUnit.SECONDS);
    assertThatThrownBy(() -> store.put(session("b"))).isInstanceOf(IllegalStateException.class);
    db.close();

    try (SqliteDatabase reopened = open(StoreWriter.Settings.DEFAULTS)) {
      assertThat(new SqliteSessionStore(reopened).eventCount("a")).isEqualTo(100);
    }
    assertThat(file).exists();
  }
}
