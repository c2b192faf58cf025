package io.ablserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import io.ablserve.server.DefenseModuleTest.RecordingStrategy;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.data.Attack;
import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.AttackKind;
import io.ablserve.server.data.CifarFiles;
import io.ablserve.server.data.ImageSet;
import io.ablserve.server.data.NoAttack;
import io.ablserve.server.data.Trigger;
import io.ablserve.server.train.Defense;
import io.ablserve.server.train.Experiment;
import io.ablserve.server.train.ExperimentRunner;
import io.ablserve.server.train.TrainingListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttackModuleTest {

  /** Stamps nothing; keeps the samples it was asked to poison. */
  static final class RecordingAttack implements Attack {
    final List<int[]> chosen = new ArrayList<>();

    @Override
    public Trigger trigger(AttackConfig config) {
      return (pixels, offset, shape) -> {};
    }

    @Override
    public Trigger trainTrigger(
        ImageSet train, int[] chosen, AttackConfig config, byte[] pixels, Random rng) {
      this.chosen.add(chosen.clone());
      return trigger(config);
    }
  }

  /**
   * In place of {@link AttackModule}: {@code attack} for BADNETS, nothing for the other kinds. In place, not
   * over it: {@code Modules.override} adds a MapBinder's entries, and a second BADNETS entry is a duplicate
   * key.
   */
  static Module badNetsOnly(Attack attack) {
    return new AbstractModule() {
      @Override
      protected void configure() {
        AttackModule.attacks(binder()).addBinding(AttackKind.BADNETS).toInstance(attack);
      }
    };
  }

  static Injector injector(Path cifar, Module attacks) {
    ServerConfig config = MainTest.parse("--dataset", "cifar=" + cifar);
    return Guice.createInjector(
        new TrainingModule(DefenseModuleTest.ablOnly(new RecordingStrategy()), attacks),
        new AbstractModule() {
          @Override
          protected void configure() {
            bind(ServerConfig.class).toInstance(config);
          }
        });
  }

  @Test
  void attackModule_registersTheStandardAttackOfEveryKind() {
    Map<AttackKind, Attack> attacks = AttackModule.attacks();

    assertThat(attacks).containsOnlyKeys(Arrays.asList(AttackKind.values()));
    for (AttackKind kind : AttackKind.values()) {
      assertThat(attacks.get(kind)).as(kind.name()).isInstanceOf(kind.standardAttack().getClass());
    }
    assertThat(attacks.get(AttackKind.NONE)).isInstanceOf(NoAttack.class);
  }

  @Test
  void runner_poisonsWithTheAttackRegisteredInItsModule(@TempDir Path cifar) throws Exception {
    CifarFiles.writeDataset(cifar, 24, 3);
    RecordingAttack recording = new RecordingAttack();
    ExperimentRunner runner = injector(cifar, badNetsOnly(recording)).getInstance(ExperimentRunner.class);

    runner.run(DefenseModuleTest.experiment(Defense.ABL), Device.cpu(), TrainingListener.NONE, () -> false);

    // 10% of the 120 training images, all outside the target class 0.
    assertThat(recording.chosen).hasSize(1);
    assertThat(recording.chosen.get(0)).hasSize(12);
  }

  @Test
  void runner_rejectsAnAttackNoModuleRegistered(@TempDir Path cifar) throws Exception {
    CifarFiles.writeDataset(cifar, 24, 3);
    ExperimentRunner runner =
        injector(cifar, badNetsOnly(new RecordingAttack())).getInstance(ExperimentRunner.class);
    Experiment badNets = DefenseModuleTest.experiment(Defense.ABL);
    Experiment blend =
        new Experiment(
            badNets.dataset(), AttackConfig.of(AttackKind.BLEND, 0, 0.1), badNets.model(), badNets.abl(),
            badNets.seed());

    assertThatThrownBy(() -> runner.validate(blend))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("attack.kind must be one of [BADNETS], got BLEND");
    runner.validate(badNets);
  }
}
