package io.ablserve.server.session;

import ai.djl.engine.Engine;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.store.DatasetStore;
import io.ablserve.server.store.SessionStore;
import java.io.IOException;
import java.time.Clock;

/**
 * The session lifecycle: config resolution, the trainer's queue, uploaded datasets and the results
 * (saved models) of finished sessions. Needs a {@link
 * Trainer}, a {@link DatasetCatalog} and a store module ({@code StoreModule} or {@code
 * InMemoryStoreModule}).
 */
public final class SessionModule extends AbstractModule {

  @Override
  protected void configure() {
    bind(Clock.class).toInstance(Clock.systemUTC());
  }

  @Provides
  @Singleton
  DeviceResolver deviceResolver() {
    // Asked only when a session wants a GPU: loading the engine takes seconds.
    return new DeviceResolver(() -> Engine.getInstance().getGpuCount());
  }

  @Provides
  @Singleton
  SessionConfigResolver sessionConfigResolver(
      DeviceResolver devices,
      ServerConfig config,
      SessionConfigResolver.ExperimentValidator validator,
      DatasetCatalog catalog) {
    DatasetFit fit = new DatasetFit(catalog);
    return new SessionConfigResolver(
        devices,
        config.defaultDevice(),
        experiment -> {
          validator.validate(experiment);
          fit.validate(experiment);
        });
  }

  /**
   * Uploads are open to their owners; another user's is refused exactly as an unknown name is, so that
   * a refusal does not tell that the dataset exists.
   */
  @Provides
  @Singleton
  DatasetAccess datasetAccess(UploadedDatasets uploads, DatasetCatalog catalog) {
    return (name, caller) -> {
      try {
        uploads.checkUsable(name, caller);
      } catch (IllegalArgumentException e) {
        throw catalog.unknown(name);
      }
    };
  }

  @Provides
  @Singleton
  StoreHealth storeHealth() {
    return new StoreHealth();
  }

  @Provides
  @Singleton
  StorageGuard storageGuard(ServerConfig config, StoreHealth health) {
    return new StorageGuard(config.dataDir(), config.minFreeBytes(), health);
  }

  @Provides
  @Singleton
  UploadedDatasets uploadedDatasets(
      DatasetStore store,
      DatasetCatalog catalog,
      ServerConfig config,
      StoreHealth health,
      StorageGuard storage,
      Clock clock)
      throws IOException {
    return new UploadedDatasets(health.tracking(store), catalog, config, storage, clock);
  }

  @Provides
  @Singleton
  SavedModels savedModels(ServerConfig config) {
    return new SavedModels(config.dataDir());
  }

  @Provides
  @Singleton
  SessionManager sessionManager(
      SessionConfigResolver resolver,
      SessionStore store,
      DatasetAccess datasets,
      UploadedDatasets uploads,
      Trainer trainer,
      SavedModels models,
      ServerConfig config,
      StoreHealth health,
      StorageGuard storage,
      Clock clock) {
    return new SessionManager(
        resolver, store, datasets, uploads, trainer, models, config.maxQueuedSessions(),
        config.queuedPerUserLimit(), config.dataDir(), config.resumeInterrupted(), health, storage,
        config.api(), clock);
  }

  @Provides
  @Singleton
  SessionResults sessionResults(
      SessionManager sessions,
      SavedModels models,
      DatasetAccess datasets,
      DatasetCatalog catalog,
      DeviceResolver devices,
      ServerConfig config) {
    return new SessionResults(sessions, models, datasets, catalog, devices, config.dataDir());
  }

  @Provides
  @Singleton
  SessionSamples sessionSamples(
      SessionManager sessions,
      SessionResults results,
      DatasetAccess datasets,
      DatasetCatalog catalog,
      ServerConfig config) {
    return new SessionSamples(sessions, results, datasets, catalog, config.dataDir());
  }

  @Provides
  @Singleton
  ConfiguredDatasets configuredDatasets(DatasetCatalog catalog) {
    return new ConfiguredDatasets(catalog);
  }
}
