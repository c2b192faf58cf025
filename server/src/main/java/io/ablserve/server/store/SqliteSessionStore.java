package io.ablserve.server.store;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Sessions and their event logs in the server's {@link SqliteDatabase}, so they outlive the process. Each
 * event is one row keyed by (session, sequence): a gap is refused here, a duplicate by the key itself.
 */
public final class SqliteSessionStore implements SessionStore {
  private final SqliteDatabase db;

  public SqliteSessionStore(SqliteDatabase db) {
    this.db = requireNonNull(db, "db");
  }

  @Override
  public void put(Session session) {
    requireNonNull(session, "session");
    db.write("store session " + session.getId(), c -> put(c, session));
  }

  @Override
  public void putWithEvent(Session session, SessionEvent event) {
    requireNonNull(session, "session");
    requireNonNull(event, "event");
    db.write(
        "store session " + session.getId() + " with its event " + event.getSequence(),
        c -> {
          put(c, session);
          return append(c, session.getId(), event);
        });
  }

  @Override
  public void putWithEventLater(
      Session session, SessionEvent event, Consumer<RuntimeException> then) {
    requireNonNull(session, "session");
    requireNonNull(event, "event");
    requireNonNull(then, "then");
    db.writeLater(
        "store session " + session.getId() + " with its event " + event.getSequence(),
        c -> {
          put(c, session);
          return append(c, session.getId(), event);
        },
        (ignored, failure) -> then.accept(failure));
  }

  @Override
  public void probe() {
    db.write(
        "write a probe row",
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO probes (id, written_at_ms) VALUES (1, ?)"
                      + " ON CONFLICT (id) DO UPDATE SET written_at_ms = excluded.written_at_ms")) {
            s.setLong(1, System.currentTimeMillis());
            s.executeUpdate();
          }
          return null;
        });
  }

  private static Void put(Connection c, Session session) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            """
            INSERT INTO sessions
              (id, owner, state, created_at_ms, updated_at_ms, config, result, session, priority)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET
              owner = excluded.owner, state = excluded.state,
              updated_at_ms = excluded.updated_at_ms, config = excluded.config,
              result = excluded.result, session = excluded.session,
              priority = excluded.priority""")) {
      s.setString(1, session.getId());
      s.setString(2, session.getOwner());
      s.setString(3, session.getState().name());
      s.setLong(4, millis(session.getCreatedAt()));
      s.setLong(5, System.currentTimeMillis());
      s.setBytes(6, session.getConfig().toByteArray());
      s.setBytes(7, session.hasResult() ? session.getResult().toByteArray() : null);
      s.setBytes(8, session.toByteArray());
      s.setInt(9, session.getPriority());
      s.executeUpdate();
    }
    return null;
  }

  @Override
  public Optional<Session> find(String sessionId) {
    return db.run(
        "read session " + sessionId,
        c -> {
          try (PreparedStatement s = c.prepareStatement("SELECT session FROM sessions WHERE id = ?")) {
            s.setString(1, sessionId);
            try (ResultSet rs = s.executeQuery()) {
              return rs.next() ? Optional.of(parseSession(rs.getBytes(1))) : Optional.empty();
            }
          }
        });
  }

  @Override
  public List<Session> list() {
    return db.run(
        "list sessions",
        c -> SqliteListing.all(c, "sessions", "session", SqliteSessionStore::parseSession));
  }

  @Override
  public List<Listed<Session>> listPage(Optional<String> owner, long beforeKey, int limit) {
    return db.run(
        "list a page of sessions",
        c ->
            SqliteListing.page(
                c, "sessions", "session", owner, beforeKey, limit, SqliteSessionStore::parseSession));
  }

  @Override
  public boolean delete(String sessionId) {
    return db.write(
        "delete session " + sessionId,
        c -> {
          try (PreparedStatement events = c.prepareStatement("DELETE FROM events WHERE session_id = ?");
              PreparedStatement session = c.prepareStatement("DELETE FROM sessions WHERE id = ?")) {
            events.setString(1, sessionId);
            events.executeUpdate();
            SqliteRequestIds.forget(c, SqliteRequestIds.SESSION, sessionId);
            session.setString(1, sessionId);
            return session.executeUpdate() > 0;
          }
        });
  }

  @Override
  public Optional<String> findRequest(String owner, String requestId) {
    return db.run(
        "read a request id",
        c -> SqliteRequestIds.find(c, SqliteRequestIds.SESSION, owner, requestId));
  }

  @Override
  public String rememberRequest(String owner, String requestId, String sessionId) {
    return db.write(
        "store the request id of session " + sessionId,
        c -> SqliteRequestIds.remember(c, SqliteRequestIds.SESSION, owner, requestId, sessionId));
  }

  @Override
  public void appendEvent(String sessionId, SessionEvent event) {
    requireNonNull(event, "event");
    db.write(
        "append event " + event.getSequence() + " of session " + sessionId,
        c -> append(c, sessionId, event));
  }

  @Override
  public void appendEventLater(
      String sessionId, SessionEvent event, Consumer<RuntimeException> then) {
    requireNonNull(event, "event");
    requireNonNull(then, "then");
    db.writeLater(
        "append event " + event.getSequence() + " of session " + sessionId,
        c -> append(c, sessionId, event),
        (ignored, failure) -> then.accept(failure));
  }

  private static Void append(Connection c, String sessionId, SessionEvent event)
      throws SQLException {
    long size = eventCount(c, sessionId);
    if (event.getSequence() != size) {
      throw new IllegalStateException(
          "event sequence " + event.getSequence() + " of session '" + sessionId
              + "' would leave a gap or repeat one after " + size);
    }
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO events (session_id, sequence, kind, event) VALUES (?, ?, ?, ?)")) {
      s.setString(1, sessionId);
      s.setLong(2, event.getSequence());
      s.setString(3, event.getEventCase().name());
      s.setBytes(4, event.toByteArray());
      s.executeUpdate();
    }
    return null;
  }

  @Override
  public void removeSuperseded(String sessionId, long afterSequence, long beforeSequence) {
    db.write(
        "remove superseded events of session " + sessionId,
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "DELETE FROM events WHERE session_id = ? AND sequence > ? AND sequence < ?"
                      + " AND kind <> ?")) {
            s.setString(1, sessionId);
            s.setLong(2, afterSequence);
            s.setLong(3, beforeSequence);
            s.setString(4, SessionEvent.EventCase.STATE.name());
            s.executeUpdate();
          }
          return null;
        });
  }

  @Override
  public List<SessionEvent> readEvents(String sessionId, long fromSequence, int maxCount) {
    return db.run(
        "read events of session " + sessionId,
        c -> {
          List<SessionEvent> events = new ArrayList<>();
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT event FROM events WHERE session_id = ? AND sequence >= ?"
                      + " ORDER BY sequence LIMIT ?")) {
            s.setString(1, sessionId);
            s.setLong(2, fromSequence);
            s.setInt(3, maxCount);
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                events.add(parseEvent(rs.getBytes(1)));
              }
            }
          }
          return events;
        });
  }

  @Override
  public long eventCount(String sessionId) {
    return db.run("count events of session " + sessionId, c -> eventCount(c, sessionId));
  }

  private static long eventCount(Connection c, String sessionId) throws SQLException {
    // Sequences are assigned in order from 0 and the last event is never removed, so the next one is
    // max + 1; the primary key answers it.
    try (PreparedStatement s =
        c.prepareStatement("SELECT MAX(sequence) FROM events WHERE session_id = ?")) {
      s.setString(1, sessionId);
      try (ResultSet rs = s.executeQuery()) {
        long max = rs.getLong(1);
        return rs.wasNull() ? 0 : max + 1;
      }
    }
  }

  private static long millis(com.google.protobuf.Timestamp t) {
    return t.getSeconds() * 1000 + t.getNanos() / 1_000_000;
  }

  private static Session parseSession(byte[] bytes) throws SQLException {
    try {
      return Session.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new SQLException("stored session does not parse: " + e.getMessage(), e);
    }
  }

  private static SessionEvent parseEvent(byte[] bytes) throws SQLException {
    try {
      return SessionEvent.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new SQLException("stored event does not parse: " + e.getMessage(), e);
    }
  }
}
