package io.ablserve.server;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.session.SessionConfigResolver;
import io.ablserve.server.session.Trainer;
import io.ablserve.server.train.ExperimentRunner;

/**
 * The training core: the configured datasets and the ABL runner, offered to the session layer as its
 * {@link Trainer} and experiment validator. Tests swap this module for a scripted trainer.
 */
public final class TrainingModule extends AbstractModule {

  @Provides
  @Singleton
  DatasetCatalog datasetCatalog(ServerConfig config) {
    return new DatasetCatalog(config.datasetRoots(), config.datasetLimits());
  }

  @Provides
  @Singleton
  ExperimentRunner experimentRunner(DatasetCatalog catalog) {
    return new ExperimentRunner(catalog);
  }

  @Provides
  @Singleton
  Trainer trainer(ExperimentRunner runner) {
    return runner::run;
  }

  @Provides
  @Singleton
  SessionConfigResolver.ExperimentValidator experimentValidator(ExperimentRunner runner) {
    return runner::validate;
  }
}
