package io.ablserve.server.testing;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.ablserve.server.AttackModule;
import io.ablserve.server.DefenseModule;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.session.SessionConfigResolver;
import io.ablserve.server.session.Trainer;
import io.ablserve.server.train.ExperimentRunner;

/**
 * Replaces {@code TrainingModule}: the real validation against the installed Fashion-MNIST and the real
 * attacks ({@link AttackModule}), with a scripted trainer instead of ABL. The catalog is shared across
 * tests so the data is read once.
 */
public final class TestingTrainingModule extends AbstractModule {
  private static final DatasetCatalog CATALOG =
      new DatasetCatalog(ServerConfig.DEFAULTS.datasetRoots());

  private final Trainer trainer;

  public TestingTrainingModule(Trainer trainer) {
    this.trainer = requireNonNull(trainer, "trainer");
  }

  @Override
  protected void configure() {
    install(new AttackModule());
  }

  @Provides
  @Singleton
  Trainer trainer() {
    return trainer;
  }

  /** Uploaded datasets are registered here too; their ids are unique, so tests do not collide. */
  @Provides
  @Singleton
  DatasetCatalog datasetCatalog() {
    return CATALOG;
  }

  @Provides
  @Singleton
  SessionConfigResolver.ExperimentValidator experimentValidator() {
    return new ExperimentRunner(CATALOG, DefenseModule.strategies())::validate;
  }
}
