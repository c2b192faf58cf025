package io.ablserve.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Newest-first listings of a table that keeps each item as one protobuf blob beside its {@code seq} and
 * {@code owner} columns ({@code sessions}, {@code datasets}), so both stores page the same way.
 */
final class SqliteListing {
  /** Turns a stored blob back into its item; a blob that does not parse is an {@link SQLException}. */
  @FunctionalInterface
  interface Parser<T> {
    T parse(byte[] bytes) throws SQLException;
  }

  private SqliteListing() {}

  /** Every item of {@code table}, newest first; {@code column} holds the blob. */
  static <T> List<T> all(Connection c, String table, String column, Parser<T> parser)
      throws SQLException {
    List<T> items = new ArrayList<>();
    try (PreparedStatement s =
            c.prepareStatement("SELECT " + column + " FROM " + table + " ORDER BY seq DESC");
        ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        items.add(parser.parse(rs.getBytes(1)));
      }
    }
    return items;
  }

  /**
   * Up to {@code limit} items of {@code table} with a key below {@code beforeKey}, newest first, only
   * {@code owner}'s when one is given.
   */
  static <T> List<Listed<T>> page(
      Connection c,
      String table,
      String column,
      Optional<String> owner,
      long beforeKey,
      int limit,
      Parser<T> parser)
      throws SQLException {
    List<Listed<T>> page = new ArrayList<>();
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT seq, " + column + " FROM " + table
                + " WHERE seq < ? AND (? IS NULL OR owner = ?) ORDER BY seq DESC LIMIT ?")) {
      s.setLong(1, beforeKey);
      s.setString(2, owner.orElse(null));
      s.setString(3, owner.orElse(null));
      s.setInt(4, limit);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          page.add(new Listed<>(rs.getLong(1), parser.parse(rs.getBytes(2))));
        }
      }
    }
    return page;
  }
}
