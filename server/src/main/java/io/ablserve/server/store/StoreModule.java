package io.ablserve.server.store;

import com.google.common.util.concurrent.Service;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.ProvidesIntoSet;
import io.ablserve.server.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The durable store: sessions, events and dataset records in {@code <dataDir>/ablserve.db}, written by
 * its {@link StoreWriter} service and closed with the server. Tests where persistence is not the point use {@link InMemoryStoreModule} instead.
 */
public final class StoreModule extends AbstractModule {
  /** The database file's name inside the data folder. */
  public static final String DATABASE_FILE = "ablserve.db";

  /** The database file of a data folder. */
  public static Path databaseFile(Path dataDir) {
    return dataDir.resolve(DATABASE_FILE);
  }

  @Provides
  @Singleton
  SqliteDatabase database(ServerConfig config) throws IOException {
    return SqliteDatabase.open(databaseFile(config.dataDir()));
  }

  @Provides
  @Singleton
  SessionStore sessionStore(SqliteDatabase db) {
    return new SqliteSessionStore(db);
  }

  @Provides
  @Singleton
  DatasetStore datasetStore(SqliteDatabase db) {
    return new SqliteDatasetStore(db);
  }

  /** Started before anything writes and stopped after the sessions service: it commits what is queued. */
  @ProvidesIntoSet
  Service writer(SqliteDatabase db) {
    return db.writer();
  }

  /** Closed by the server after its services have stopped. */
  @ProvidesIntoSet
  AutoCloseable closeDatabase(SqliteDatabase db) {
    return db;
  }
}
