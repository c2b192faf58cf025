package io.ablserve.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ablserve.v1.Dataset;
import io.ablserve.v1.FinalResult;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.StateChange;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteSessionStoreTest {
  @TempDir Path dir;

  private static Session session(String id, SessionState state) {
    return Session.newBuilder().setId(id).setOwner("alice").setState(state).build();
  }

  private static SessionEvent event(long sequence, SessionState state) {
    return SessionEvent.newBuilder()
        .setSequence(sequence)
        .setState(StateChange.newBuilder().setState(state))
        .build();
  }

  @Test
  void sessionsAndEvents_surviveReopeningTheFile() throws Exception {
    Path file = dir.resolve("ablserve.db");
    try (SqliteDatabase db = SqliteDatabase.open(file)) {
      SqliteSessionStore store = new SqliteSessionStore(db);
      store.put(session("a", SessionState.SESSION_STATE_QUEUED));
      store.put(session("b", SessionState.SESSION_STATE_QUEUED));
      store.appendEvent("a", event(0, SessionState.SESSION_STATE_QUEUED));
      store.appendEvent("a", event(1, SessionState.SESSION_STATE_RUNNING));
      store.put(
          session("a", SessionState.SESSION_STATE_SUCCEEDED).toBuilder()
              .setResult(FinalResult.newBuilder().setCleanAccuracy(0.9))
              .build());
    }

    try (SqliteDatabase db = SqliteDatabase.open(file)) {
      SqliteSessionStore store = new SqliteSessionStore(db);
      assertThat(store.list()).extracting(Session::getId).containsExactly("b", "a");
      Session a = store.find("a").orElseThrow();
      assertThat(a.getState()).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
      assertThat(a.getResult().getCleanAccuracy()).isEqualTo(0.9);
      assertThat(a.getOwner()).isEqualTo("alice");
      assertThat(store.eventCount("a")).isEqualTo(2);
      assertThat(store.eventCount("b")).isZero();
      assertThat(store.readEvents("a", 1, 10)).extracting(SessionEvent::getSequence).containsExactly(1L);
      assertThat(store.readEvents("a", 0, 1)).hasSize(1);
      assertThat(store.readEvents("a", 2, 10)).isEmpty();
      assertThat(store.find("zzz")).isEmpty();
    }
  }

  @Test
  void appendEvent_refusesGapsAndDuplicatesAndKeepsTheLog() throws Exception {
    try (SqliteDatabase db = SqliteDatabase.open(dir.resolve("ablserve.db"))) {
      SqliteSessionStore store = new SqliteSessionStore(db);
      store.put(session("a", SessionState.SESSION_STATE_QUEUED));
      store.appendEvent("a", event(0, SessionState.SESSION_STATE_QUEUED));

      assertThatThrownBy(() -> store.appendEvent("a", event(0, SessionState.SESSION_STATE_RUNNING)))
          .hasMessageContaining("gap or repeat");
      assertThatThrownBy(() -> store.appendEvent("a", event(2, SessionState.SESSION_STATE_RUNNING)))
          .hasMessageContaining("gap or repeat");
      assertThatThrownBy(() -> store.appendEvent("nobody", event(0, SessionState.SESSION_STATE_QUEUED)))
          .isInstanceOf(StoreException.class);
      assertThat(store.readEvents("a", 0, 10))
          .containsExactly(event(0, SessionState.SESSION_STATE_QUEUED));
    }
  }

  @Test
  void datasets_roundTripAndDelete() throws Exception {
    Path file = dir.resolve("ablserve.db");
    try (SqliteDatabase db = SqliteDatabase.open(file)) {
      SqliteDatasetStore store = new SqliteDatasetStore(db);
      store.put(Dataset.newBuilder().setId("d1").setOwner("alice").setName("one").build());
      store.put(Dataset.newBuilder().setId("d2").setOwner("bob").setName("two").build());
      assertThat(store.delete("d1")).isTrue();
      assertThat(store.delete("d1")).isFalse();
    }
    try (SqliteDatabase db = SqliteDatabase.open(file)) {
      SqliteDatasetStore store = new SqliteDatasetStore(db);
      assertThat(store.list()).extracting(Dataset::getId).containsExactly("d2");
      assertThat(store.find("d2").orElseThrow().getOwner()).isEqualTo("bob");
    }
  }

  @Test
  void open_usesWriteAheadLogging() throws Exception {
    try (SqliteDatabase db = SqliteDatabase.open(dir.resolve("ablserve.db"))) {
      String mode =
          db.run("read journal mode", c -> {
            try (var s = c.createStatement(); var rs = s.executeQuery("PRAGMA journal_mode")) {
              rs.next();
              return rs.getString(1);
            }
          });
      assertThat(mode).isEqualToIgnoringCase("wal");
    }
  }
}
