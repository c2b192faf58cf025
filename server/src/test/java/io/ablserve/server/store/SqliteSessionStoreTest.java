package io.ablserve.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.ablserve.v1.Dataset;
import io.ablserve.v1.FinalResult;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.StateChange;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteSessionStoreTest {
  @TempDir Path dir;

  /** The database with its writer running, as the server starts it; closing stops both. */
  static SqliteDatabase opened(Path file) throws IOException {
    SqliteDatabase db = SqliteDatabase.open(file);
    db.writer().startAsync().awaitRunning();
    return db;
  }

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
    try (SqliteDatabase db = opened(file)) {
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

    try (SqliteDatabase db = opened(file)) {
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
    try (SqliteDatabase db = opened(dir.resolve("ablserve.db"))) {
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
    try (SqliteDatabase db = opened(file)) {
      SqliteDatasetStore store = new SqliteDatasetStore(db);
      store.put(Dataset.newBuilder().setId("d1").setOwner("alice").setName("one").build());
      store.put(Dataset.newBuilder().setId("d2").setOwner("bob").setName("two").build());
      assertThat(store.delete("d1")).isTrue();
      assertThat(store.delete("d1")).isFalse();
    }
    try (SqliteDatabase db = opened(file)) {
      SqliteDatasetStore store = new SqliteDatasetStore(db);
      assertThat(store.list()).extracting(Dataset::getId).containsExactly("d2");
      assertThat(store.find("d2").orElseThrow().getOwner()).isEqualTo("bob");
    }
  }

  @Test
  void open_aVersion1File_addsThePriorityColumnAndKeepsItsSessions() throws Exception {
    Path file = dir.resolve("ablserve.db");
    Session stored = session("old", SessionState.SESSION_STATE_QUEUED);
    // The schema of the server before priorities, with a session it queued.
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      s.execute(
          """
          CREATE TABLE sessions (
            seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, owner TEXT NOT NULL,
            state TEXT NOT NULL, created_at_ms INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL,
            config BLOB NOT NULL, result BLOB, session BLOB NOT NULL)""");
      try (PreparedStatement insert = c.prepareStatement(
          "INSERT INTO sessions (id, owner, state, created_at_ms, updated_at_ms, config, session)"
              + " VALUES ('old', 'alice', 'SESSION_STATE_QUEUED', 1, 1, x'', ?)")) {
        insert.setBytes(1, stored.toByteArray());
        insert.executeUpdate();
      }
      s.execute("PRAGMA user_version=1");
    }

    try (SqliteDatabase db = opened(file)) {
      SqliteSessionStore store = new SqliteSessionStore(db);
      assertThat(store.find("old")).contains(stored);
      assertThat(store.find("old").orElseThrow().getPriority()).isZero();
      assertThat(priorityColumn(db, "old")).isZero();
      store.put(session("new", SessionState.SESSION_STATE_QUEUED).toBuilder().setPriority(7).build());
      assertThat(priorityColumn(db, "new")).isEqualTo(7);
      int version = db.run("read schema version", c -> {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
          return rs.getInt(1);
        }
      });
      assertThat(version).isEqualTo(SqliteDatabase.SCHEMA_VERSION);
    }
    try (SqliteDatabase db = opened(file)) {
      SqliteSessionStore store = new SqliteSessionStore(db);
      assertThat(store.list()).extracting(Session::getId, Session::getPriority)
          .containsExactly(tuple("new", 7), tuple("old", 0));
    }
  }

  private static int priorityColumn(SqliteDatabase db, String id) {
    return db.run("read priority", c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT priority FROM sessions WHERE id = ?")) {
        s.setString(1, id);
        try (ResultSet rs = s.executeQuery()) {
          assertThat(rs.next()).isTrue();
          return rs.getInt(1);
        }
      }
    });
  }

  @Test
  void open_usesWriteAheadLogging() throws Exception {
    try (SqliteDatabase db = opened(dir.resolve("ablserve.db"))) {
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

  @Test
  void putWithEvent_storesNeitherWhenTheEventIsRefused() throws Exception {
    try (SqliteDatabase db = opened(dir.resolve("ablserve.db"))) {
      SqliteSessionStore store = new SqliteSessionStore(db);
      store.putWithEvent(
          session("a", SessionState.SESSION_STATE_QUEUED), event(0, SessionState.SESSION_STATE_QUEUED));

      assertThatThrownBy(() -> store.putWithEvent(
              session("a", SessionState.SESSION_STATE_FAILED),
              event(5, SessionState.SESSION_STATE_FAILED)))
          .hasMessageContaining("gap");

      assertThat(store.find("a").orElseThrow().getState())
          .isEqualTo(SessionState.SESSION_STATE_QUEUED);
      assertThat(store.eventCount("a")).isEqualTo(1);
      store.probe(); // a writable file takes the probe; nobody's sessions change
      assertThat(store.list()).hasSize(1);
    }
  }

  @Test
  void open_makesTheFolderAndTheFileTheOwnersAlone_alsoWhenAnOlderServerLeftThemOpen()
      throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        java.nio.file.Files.getFileStore(dir).supportsFileAttributeView("posix"));
    Path data = dir.resolve("data");
    Path file = data.resolve("ablserve.db");
    try (SqliteDatabase db = opened(file)) {
      new SqliteSessionStore(db).put(session("a", SessionState.SESSION_STATE_QUEUED));
      assertThat(permissions(data)).isEqualTo("rwx------");
      assertThat(permissions(file)).isEqualTo("rw-------");
      assertThat(permissions(data.resolve("ablserve.db-wal"))).isEqualTo("rw-------");
    }
    java.nio.file.Files.setPosixFilePermissions(
        data, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    java.nio.file.Files.setPosixFilePermissions(
        file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));

    try (SqliteDatabase db = opened(file)) {
      assertThat(new SqliteSessionStore(db).list()).hasSize(1);
      assertThat(permissions(data)).isEqualTo("rwx------");
      assertThat(permissions(file)).isEqualTo("rw-------");
    }
  }

  private static String permissions(Path path) throws java.io.IOException {
    return java.nio.file.attribute.PosixFilePermissions.toString(
        java.nio.file.Files.getPosixFilePermissions(path));
  }

  @Test
  void delete_removesTheSessionItsEventsAndItsRequestIds_andPagesFilterByOwner() throws Exception {
    try (SqliteDatabase db = opened(dir.resolve("ablserve.db"))) {
      SqliteSessionStore store = new SqliteSessionStore(db);
      store.put(session("a", SessionState.SESSION_STATE_SUCCEEDED));
      store.put(session("b", SessionState.SESSION_STATE_SUCCEEDED).toBuilder().setOwner("bob").build());
      store.put(session("c", SessionState.SESSION_STATE_SUCCEEDED));
      store.appendEvent("a", event(0, SessionState.SESSION_STATE_QUEUED));
      assertThat(store.rememberRequest("alice", "r1", "a")).isEqualTo("a");
      assertThat(store.rememberRequest("alice", "r1", "other")).as("the first one stays").isEqualTo("a");
      assertThat(store.findRequest("bob", "r1")).isEmpty();

      assertThat(store.listPage(java.util.Optional.of("alice"), Long.MAX_VALUE, 10))
          .extracting(l -> l.item().getId())
          .containsExactly("c", "a");
      long cKey = store.listPage(java.util.Optional.empty(), Long.MAX_VALUE, 1).get(0).key();
      assertThat(store.listPage(java.util.Optional.empty(), cKey, 10))
          .extracting(l -> l.item().getId())
          .containsExactly("b", "a");

      assertThat(store.delete("a")).isTrue();
      assertThat(store.delete("a")).isFalse();
      assertThat(store.find("a")).isEmpty();
      assertThat(store.eventCount("a")).isZero();
      assertThat(store.findRequest("alice", "r1")).isEmpty();
      assertThat(store.list()).extracting(Session::getId).containsExactly("c", "b");
    }
  }
}
