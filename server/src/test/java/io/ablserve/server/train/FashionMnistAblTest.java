package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.AttackKind;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetRef;
import io.ablserve.server.model.ModelArch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real DJL training on a Fashion-MNIST subset (the Debian package dataset-fashion-mnist). */
class FashionMnistAblTest {
  static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
  static ExperimentRunner runner;

  @BeforeAll
  static void catalog() {
    Assumptions.assumeTrue(
        Files.isDirectory(FASHION_MNIST), "apt-get install dataset-fashion-mnist (.ci/run does)");
    runner = new ExperimentRunner(new DatasetCatalog(Map.of("fashion-mnist", FASHION_MNIST)));
  }

  static Experiment badNets(int epochs, int isolationEpochs) {
    AblConfig abl =
        new AblConfig(
            epochs, isolationEpochs, 0.01, IsolationLossKind.LGA, 0.5, 0.5, LossReduction.PER_SAMPLE,
            0.01, 1.0, 64, 0.9, 1e-4, 5);
    return new Experiment(
        new DatasetRef("fashion-mnist", 6000, 1000),
        new AttackConfig(AttackKind.BADNETS, 0, 0.1, 3),
        ModelArch.SMALL_CNN,
        abl,
        7);
  }

  @Test
  void badNets_isLearnedDuringIsolation_andIsolationFindsThePoison() throws Exception {
    RecordingListener listener = new RecordingListener();
    TrainingOutcome outcome = runner.run(badNets(4, 2), Device.cpu(), listener, () -> false);

    EpochReport lastIsolationEpoch = listener.epochs.get(1);
    assertThat(lastIsolationEpoch.phase()).isEqualTo(Phase.ISOLATION);
    // Far above chance (10%) on clean data, and the backdoor is in: the model answers the target.
    assertThat(lastIsolationEpoch.cleanAccuracy()).isGreaterThan(0.6);
    assertThat(lastIsolationEpoch.attackSuccessRate()).isGreaterThan(0.9);
    assertThat(lastIsolationEpoch.meanLossPoisoned()).isLessThan(lastIsolationEpoch.meanLossClean());

    // 1% of 6000 = 60 isolated; the poison rate is 10%, so chance precision would be 0.1.
    assertThat(listener.isolation.indices()).hasSize(60);
    assertThat(listener.isolation.precision()).isGreaterThan(0.8);
    assertThat(outcome.isolationPrecision()).isEqualTo(listener.isolation.precision());
    assertThat(outcome.epochs()).isEqualTo(4);
    assertThat(outcome.cleanAccuracy()).isGreaterThan(0.5);
    assertThat(listener.events)
        .filteredOn(e -> e instanceof Phase)
        .containsExactly(Phase.ISOLATION, Phase.ISOLATED, Phase.UNLEARNING);
  }

  @Test
  void cancellation_stopsWithinOneStep() {
    AtomicInteger stepsSeen = new AtomicInteger();
    TrainingListener countSteps =
        new TrainingListener() {
          @Override
          public void onStep(StepReport report) {
            stepsSeen.set((int) report.step());
          }
        };
    assertThatThrownBy(
            () -> runner.run(badNets(4, 2), Device.cpu(), countSteps, () -> stepsSeen.get() >= 10))
        .isInstanceOf(TrainingCancelledException.class)
        .hasMessageContaining("step 11");
  }
}
