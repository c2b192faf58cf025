package io.ablserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.AttackKind;
import io.ablserve.server.data.CifarFiles;
import io.ablserve.server.data.DatasetRef;
import io.ablserve.server.model.ModelArch;
import io.ablserve.server.train.AblConfig;
import io.ablserve.server.train.AblDefense;
import io.ablserve.server.train.Defense;
import io.ablserve.server.train.DefenseStrategy;
import io.ablserve.server.train.Experiment;
import io.ablserve.server.train.ExperimentRunner;
import io.ablserve.server.train.PlainTraining;
import io.ablserve.server.train.TrainingListener;
import io.ablserve.server.train.TrainingOutcome;
import io.ablserve.server.train.TrainingRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefenseModuleTest {

  /** Trains nothing; keeps the config of each run it was handed. */
  static final class RecordingStrategy implements DefenseStrategy {
    final List<AblConfig> runs = new ArrayList<>();

    @Override
    public TrainingOutcome train(TrainingRun run) {
      runs.add(run.config());
      return run.outcome();
    }
  }

  /** In place of {@link DefenseModule}: {@code strategy} for ABL, nothing for the other defences. */
  static Module ablOnly(DefenseStrategy strategy) {
    return new AbstractModule() {
      @Override
      protected void configure() {
        DefenseModule.defenses(binder()).addBinding(Defense.ABL).toInstance(strategy);
      }
    };
  }

  static Injector injector(Path cifar, Module defenses) {
    ServerConfig config = MainTest.parse("--dataset", "cifar=" + cifar);
    return Guice.createInjector(
        new TrainingModule(defenses),
        new AbstractModule() {
          @Override
          protected void configure() {
            bind(ServerConfig.class).toInstance(config);
          }
        });
  }

  static Experiment experiment(Defense defense) {
    return new Experiment(
        new DatasetRef("cifar", 0, 0),
        AttackConfig.of(AttackKind.BADNETS, 0, 0.1),
        ModelArch.SMALL_CNN,
        AblConfig.builder().defense(defense).epochs(3).isolationEpochs(1).batchSize(32).build(),
        5);
  }

  @Test
  void defenseModule_registersAStrategyForEveryDefense() {
    assertThat(DefenseModule.strategies()).containsOnlyKeys(Arrays.asList(Defense.values()));
    assertThat(DefenseModule.strategies().get(Defense.NONE)).isInstanceOf(PlainTraining.class);
    assertThat(DefenseModule.strategies().get(Defense.ABL)).isInstanceOf(AblDefense.class);
  }

  @Test
  void runner_trainsWithTheStrategyRegisteredInItsModule(@TempDir Path cifar) throws Exception {
    CifarFiles.writeDataset(cifar, 24, 3);
    RecordingStrategy strategy = new RecordingStrategy();
    ExperimentRunner runner = injector(cifar, ablOnly(strategy)).getInstance(ExperimentRunner.class);
    Experiment experiment = experiment(Defense.ABL);

    TrainingOutcome outcome = runner.run(experiment, Device.cpu(), TrainingListener.NONE, () -> false);

    assertThat(strategy.runs).containsExactly(experiment.abl());
    // The strategy ran no epoch, so no evaluation: ABL itself would have measured an accuracy.
    assertThat(outcome.cleanAccuracy()).isNaN();
  }

  @Test
  void runner_rejectsADefenseNoModuleRegistered(@TempDir Path cifar) throws Exception {
    CifarFiles.writeDataset(cifar, 24, 3);
    ExperimentRunner runner =
        injector(cifar, ablOnly(new RecordingStrategy())).getInstance(ExperimentRunner.class);

    assertThatThrownBy(() -> runner.validate(experiment(Defense.NONE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("abl.defense must be one of [ABL], got NONE");
    assertThatThrownBy(
            () -> runner.run(experiment(Defense.NONE), Device.cpu(), TrainingListener.NONE, () -> false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NONE");
    runner.validate(experiment(Defense.ABL));
  }
}
