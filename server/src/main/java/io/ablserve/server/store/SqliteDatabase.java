package io.ablserve.server.store;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The server's SQLite file ({@code <dataDir>/ablserve.db}): one connection in WAL mode, shared by the
 * session and dataset stores and serialised by this object's lock. Reads run on the caller's thread;
 * writes only on its {@link StoreWriter}'s, which must be started (it is a service of the server) before
 * anything is written. WAL with {@code synchronous=NORMAL} keeps a step event's commit off the disk's
 * flush path; a power cut can lose the last commits but never corrupts the file.
 */
public final class SqliteDatabase implements AutoCloseable {
  /**
   * Bumped with every schema change; the file's {@code user_version}. 2: {@code sessions.priority}, added
   * to version 1 files by {@link #migrate}. 3: the {@code request_ids} table.
   */
  static final int SCHEMA_VERSION = 3;

  private static final String[] SCHEMA = {
    // seq orders sessions by creation; session is the whole v1 Session, the other columns are copies
    // for queries and for people reading the file with the sqlite3 shell.
    """
    CREATE TABLE IF NOT EXISTS sessions (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      owner TEXT NOT NULL,
      state TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL,
      updated_at_ms INTEGER NOT NULL,
      config BLOB NOT NULL,
      result BLOB,
      session BLOB NOT NULL,
      priority INTEGER NOT NULL DEFAULT 0)""",
    // The primary key makes a duplicate sequence number impossible, whatever the caller does.
    """
    CREATE TABLE IF NOT EXISTS events (
      session_id TEXT NOT NULL REFERENCES sessions(id),
      sequence INTEGER NOT NULL,
      kind TEXT NOT NULL,
      event BLOB NOT NULL,
      PRIMARY KEY (session_id, sequence)) WITHOUT ROWID""",
    """
    CREATE TABLE IF NOT EXISTS datasets (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      owner TEXT NOT NULL,
      name TEXT NOT NULL,
      dataset BLOB NOT NULL)""",
    // Which session or dataset a user's request id created (kind: session or dataset), so a retried
    // CreateSession or UploadDataset returns the first call's result; deleted with what it names.
    """
    CREATE TABLE IF NOT EXISTS request_ids (
      kind TEXT NOT NULL,
      owner TEXT NOT NULL,
      request_id TEXT NOT NULL,
      resource_id TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL,
      PRIMARY KEY (kind, owner, request_id)) WITHOUT ROWID""",
    // One row, rewritten by SessionStore.probe to learn whether the file takes writes again.
    """
    CREATE TABLE IF NOT EXISTS probes (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      written_at_ms INTEGER NOT NULL)""",
  };

  private final Path file;
  private final Connection connection; // guarded by this
  private final StoreWriter writer;

  private SqliteDatabase(Path file, Connection connection, StoreWriter.Settings writes) {
    this.file = file;
    this.connection = connection;
    this.writer = new StoreWriter(this, writes);
  }

  /**
   * Opens (creating when absent) the database file and brings its schema up to date; writes are batched
   * as {@link StoreWriter.Settings#DEFAULTS}.
   */
  public static SqliteDatabase open(Path file) throws IOException {
    return open(file, StoreWriter.Settings.DEFAULTS);
  }

  /** As {@link #open(Path)}, with writes batched as {@code writes} says. */
  public static SqliteDatabase open(Path file, StoreWriter.Settings writes) throws IOException {
    requireNonNull(file, "file");
    requireNonNull(writes, "writes");
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      PrivateFiles.createDirectories(parent);
      PrivateFiles.restrict(parent); // also a data folder an older server left world-readable
    }
    // SQLite gives its -wal and -shm files the database file's permissions: 0600 from the start.
    if (!Files.exists(file)) {
      Files.createFile(file);
    }
    for (String suffix : new String[] {"", "-wal", "-shm"}) {
      Path companion = file.resolveSibling(file.getFileName() + suffix);
      if (Files.exists(companion)) {
        PrivateFiles.restrict(companion);
      }
    }
    try {
      Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
      try (Statement s = connection.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=NORMAL");
        s.execute("PRAGMA foreign_keys=ON");
        s.execute("PRAGMA busy_timeout=10000");
        int version;
        try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
          version = rs.next() ? rs.getInt(1) : 0;
        }
        if (version > SCHEMA_VERSION) {
          connection.close();
          throw new IOException(
              file + " has schema version " + version + ", newer than this server's " + SCHEMA_VERSION
                  + "; run a newer ablserve or another --data-dir");
        }
        for (String ddl : SCHEMA) {
          s.execute(ddl);
        }
        migrate(s);
        s.execute("PRAGMA user_version=" + SCHEMA_VERSION);
      }
      return new SqliteDatabase(file, connection, writes);
    } catch (SQLException e) {
      throw new IOException("cannot open the session database " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Brings tables an older server created up to {@link #SCHEMA}, which {@code CREATE TABLE IF NOT
   * EXISTS} leaves as they are. Columns are looked up rather than inferred from {@code user_version}, so
   * a migration cut short runs again. A session stored before priorities existed has priority 0, in its
   * column as in its protobuf, where the field is absent.
   */
  private static void migrate(Statement s) throws SQLException {
    if (!hasColumn(s, "sessions", "priority")) {
      s.execute("ALTER TABLE sessions ADD COLUMN priority INTEGER NOT NULL DEFAULT 0");
    }
  }

  private static boolean hasColumn(Statement s, String table, String column) throws SQLException {
    try (ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
      while (rs.next()) {
        if (rs.getString("name").equalsIgnoreCase(column)) {
          return true;
        }
      }
    }
    return false;
  }

  /** A unit of work on the connection. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /** The thread that writes this database; a service the server starts before it writes and stops after. */
  public StoreWriter writer() {
    return writer;
  }

  /**
   * Commits {@code work} on the writer thread, batched with what else is queued, and waits for it: its
   * result, or the StoreException that failed it.
   */
  <T> T write(String what, Work<T> work) {
    return writer.write(what, work);
  }

  /**
   * Queues {@code work} for the writer thread and returns at once; {@code done} gets the outcome there
   * (a null failure for success), in the order writes were queued.
   */
  <T> void writeLater(
      String what, Work<T> work, java.util.function.BiConsumer<T, RuntimeException> done) {
    writer.writeLater(what, work, done);
  }

  /** Runs {@code work} alone on the connection, to read; {@code what} names it in the error. */
  synchronized <T> T run(String what, Work<T> work) {
    try {
      return work.run(connection);
    } catch (SQLException e) {
      throw new StoreException("cannot " + what + " in " + file + ": " + e.getMessage(), e);
    }
  }

  /** Runs {@code work} in one transaction on the writer thread: all of it is stored, or none. */
  synchronized <T> T transaction(String what, Work<T> work) {
    if (!writer.isWriterThread()) {
      throw new IllegalStateException(
          "cannot " + what + " on thread " + Thread.currentThread().getName()
              + ": only " + StoreWriter.THREAD_NAME + " writes the store");
    }
    return run(
        what,
        c -> {
          c.setAutoCommit(false);
          try {
            T result = work.run(c);
            c.commit();
            return result;
          } catch (SQLException | RuntimeException e) {
            try {
              c.rollback();
            } catch (SQLException rollback) {
              // SQLite already rolled back (SQLITE_FULL does): the cause, not this, is the news.
              e.addSuppressed(rollback);
            }
            throw e;
          } finally {
            endTransaction(c);
          }
        });
  }

  /**
   * Back to autocommit. After SQLite rolled a transaction back itself (SQLITE_FULL), the driver's
   * "commit" for that fails and leaves the connection outside autocommit, failing every later write:
   * an empty transaction is begun for it to end.
   */
  private static void endTransaction(Connection c) throws SQLException {
    try {
      c.setAutoCommit(true);
    } catch (SQLException e) {
      if (c.getAutoCommit()) {
        return;
      }
      try (Statement s = c.createStatement()) {
        s.execute("BEGIN");
      }
      c.setAutoCommit(true);
    }
  }

  /** Stops the writer, which commits what is queued, then closes the file. */
  @Override
  public void close() {
    writer.stopAsync();
    try {
      writer.awaitTerminated();
    } catch (IllegalStateException e) {
      // It failed: nothing more will be committed.
    }
    closeConnection();
  }

  private synchronized void closeConnection() {
    try {
      connection.close();
    } catch (SQLException e) {
      throw new StoreException("cannot close " + file + ": " + e.getMessage(), e);
    }
  }
}
