package io.ablserve.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The {@code request_ids} table: which resource a user's request id created, per kind of call, so a
 * retried create returns the first one's result. Rows go with the resource they name.
 */
final class SqliteRequestIds {
  static final String SESSION = "session";
  static final String DATASET = "dataset";

  private SqliteRequestIds() {}

  static Optional<String> find(Connection c, String kind, String owner, String requestId)
      throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT resource_id FROM request_ids WHERE kind = ? AND owner = ? AND request_id = ?")) {
      s.setString(1, kind);
      s.setString(2, owner);
      s.setString(3, requestId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  /** Inserts the mapping unless one exists; returns the one that is stored now. */
  static String remember(
      Connection c, String kind, String owner, String requestId, String resourceId)
      throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO request_ids (kind, owner, request_id, resource_id, created_at_ms)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
      s.setString(1, kind);
      s.setString(2, owner);
      s.setString(3, requestId);
      s.setString(4, resourceId);
      s.setLong(5, System.currentTimeMillis());
      s.executeUpdate();
    }
    return find(c, kind, owner, requestId).orElseThrow();
  }

  static void forget(Connection c, String kind, String resourceId) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("DELETE FROM request_ids WHERE kind = ? AND resource_id = ?")) {
      s.setString(1, kind);
      s.setString(2, resourceId);
      s.executeUpdate();
    }
  }
}
