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
 * The training core: the configured datasets and the runner with its defences ({@link DefenseModule}),
 * attacks ({@link AttackModule}) and ABL's isolation signals ({@link IsolationModule}), offered to the
 * session layer as its {@link Trainer} and experiment validator. Tests swap this module for a scripted
 * trainer, or keep it with defences, attacks or signals of their own.
 */
public final class TrainingModule extends AbstractModule {
  private final Module defenses;
  private final Module attacks;
  private final Module isolation;

  /**
   * With the standard defences, attacks and isolation signals, {@link DefenseModule}, {@link AttackModule}
   * and {@link IsolationModule}.
   */
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
    this(defenses, attacks, new IsolationModule());
  }

  /**
   * With {@code defenses} registering the strategies, {@code attacks} the attacks and {@code isolation}
   * the isolation signals' scorers, in place of {@link DefenseModule}, {@link AttackModule} and {@link
   * IsolationModule}.
   */
  public TrainingModule(Module defenses, Module attacks, Module isolation) {
    this.defenses = requireNonNull(defenses, "defenses");
    this.attacks = requireNonNull(attacks, "attacks");
    this.isolation = requireNonNull(isolation, "isolation");
  }

  @Override
  protected void configure() {
    install(defenses);
    install(attacks);
    install(isolation);
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
