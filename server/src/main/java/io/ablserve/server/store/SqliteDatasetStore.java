package io.ablserve.server.store;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import io.ablserve.v1.Dataset;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** Uploaded datasets' records in the server's {@link SqliteDatabase}. */
public final class SqliteDatasetStore implements DatasetStore {
  private final SqliteDatabase db;

  public SqliteDatasetStore(SqliteDatabase db) {
    this.db = requireNonNull(db, "db");
  }

  @Override
  public void put(Dataset dataset) {
    requireNonNull(dataset, "dataset");
    db.write(
        "store dataset " + dataset.getId(),
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO datasets (id, owner, name, dataset) VALUES (?, ?, ?, ?)"
                      + " ON CONFLICT (id) DO UPDATE SET owner = excluded.owner,"
                      + " name = excluded.name, dataset = excluded.dataset")) {
            s.setString(1, dataset.getId());
            s.setString(2, dataset.getOwner());
            s.setString(3, dataset.getName());
            s.setBytes(4, dataset.toByteArray());
            s.executeUpdate();
          }
          return null;
        });
  }

  @Override
  public Optional<Dataset> find(String datasetId) {
    return db.run(
        "read dataset " + datasetId,
        c -> {
          try (PreparedStatement s = c.prepareStatement("SELECT dataset FROM datasets WHERE id = ?")) {
            s.setString(1, datasetId);
            try (ResultSet rs = s.executeQuery()) {
              return rs.next() ? Optional.of(parse(rs.getBytes(1))) : Optional.empty();
            }
          }
        });
  }

  @Override
  public List<Dataset> list() {
    return db.run(
        "list datasets", c -> SqliteListing.all(c, "datasets", "dataset", SqliteDatasetStore::parse));
  }

  @Override
  public List<Listed<Dataset>> listPage(Optional<String> owner, long beforeKey, int limit) {
    return db.run(
        "list a page of datasets",
        c ->
            SqliteListing.page(
                c, "datasets", "dataset", owner, beforeKey, limit, SqliteDatasetStore::parse));
  }

  @Override
  public boolean delete(String datasetId) {
    return db.write(
        "delete dataset " + datasetId,
        c -> {
          SqliteRequestIds.forget(c, SqliteRequestIds.DATASET, datasetId);
          try (PreparedStatement s = c.prepareStatement("DELETE FROM datasets WHERE id = ?")) {
            s.setString(1, datasetId);
            return s.executeUpdate() > 0;
          }
        });
  }

  @Override
  public Optional<String> findRequest(String owner, String requestId) {
    return db.run(
        "read a request id",
        c -> SqliteRequestIds.find(c, SqliteRequestIds.DATASET, owner, requestId));
  }

  @Override
  public String rememberRequest(String owner, String requestId, String datasetId) {
    return db.write(
        "store the request id of dataset " + datasetId,
        c -> SqliteRequestIds.remember(c, SqliteRequestIds.DATASET, owner, requestId, datasetId));
  }

  private static Dataset parse(byte[] bytes) throws SQLException {
    try {
      return Dataset.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new SQLException("stored dataset does not parse: " + e.getMessage(), e);
    }
  }
}
