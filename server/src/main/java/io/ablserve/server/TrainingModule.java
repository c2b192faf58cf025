package io.ablserve.server;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;
import com.google.inject.Module;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.data.Attack;
import io.ablserve.server.data.AttackKind;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.session.SessionConfigResolver;
import io.ablserve.server.session.Trainer;
import io.ablserve.server.train.Defense;
import io.ablserve.server.train.DefenseStrategy;
import io.ablserve.server.train.ExperimentRunner;
import java.util.Map;

/**
 * The training core: the configured datasets and the runner with its defences ({@link DefenseModule}) and
 * attacks ({@link AttackModule}), offered to the session layer as its {@link Trainer} and experiment
 * validator. Tests swap this module for a scripted trainer, or keep it with defences or attacks of their
 * own.
 */
public final class TrainingModule extends AbstractModule {
  private final Module defenses;
  private final Module attacks;

  /** With the standard defences and attacks, {@link DefenseModule} and {@link AttackModule}. */
  public TrainingModule() {
    this(new DefenseModule());
  }

  /** With {@code defenses} registering the strategies, in place of {@link DefenseModule}. */
  public TrainingModule(Module defenses) {
    this(defenses, new AttackModule());
  }

  /**
   * With {@code defenses} registering the strategies and {@code attacks} the attacks, in place of {@link
   * DefenseModule} and {@link AttackModule}.
   */
  public TrainingModule(Module defenses, Module attacks) {
    this.defenses = requireNonNull(defenses, "defenses");
    this.attacks = requireNonNull(attacks, "attacks");
  }

  @Override
  protected void configure() {
    install(defenses);
    install(attacks);
  }

  @Provides
  @Singleton
  DatasetCatalog datasetCatalog(ServerConfig config) {
    return new DatasetCatalog(config.datasetRoots(), config.datasetLimits());
  }

  @Provides
  @Singleton
  ExperimentRunner experimentRunner(
      DatasetCatalog catalog,
      Map<Defense, DefenseStrategy> defenses,
      Map<AttackKind, Attack> attacks) {
    return new ExperimentRunner(catalog, defenses, attacks);
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
