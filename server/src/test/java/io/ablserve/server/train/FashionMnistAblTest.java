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
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Real DJL training on a Fashion-MNIST subset (the Debian package dataset-fashion-mnist). */
@Tag("training")
class FashionMnistAblTest {
  static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
  static ExperimentRunner runner;

  @BeforeAll
  static void catalog() {
    Assumptions.assumeTrue(
        Files.isDirectory(FASHION_MNIST), "apt-get install dataset-fashion-mnist (.ci/run does)");
    runner = new ExperimentRunner(new DatasetCatalog(Map.of("fashion-mnist", FASHION_MNIST)));
  }

  static Experiment badNets(AblConfig abl) {
    return new Experiment(
        new DatasetRef("fashion-mnist", 6000, 1000),
        new AttackConfig(AttackKind.BADNETS, 0, 0.1, 3),
        ModelArch.SMALL_CNN,
        abl,
        7);
  }

  static AblConfig.Builder shortRun() {
    return AblConfig.builder().batchSize(64).stepReportInterval(5);
  }

  @Test
  void undefended_learnsTheTaskAndTheBackdoor() throws Exception {
    RecordingListener listener = new RecordingListener();
    TrainingOutcome outcome =
        runner.run(
            badNets(shortRun().defense(Defense.NONE).epochs(3).isolationEpochs(1).build()),
            Device.cpu(), listener, () -> false);

    assertThat(outcome.cleanAccuracy()).isGreaterThan(0.7); // chance is 0.1
    assertThat(outcome.attackSuccessRate()).isGreaterThan(0.9);
    assertThat(outcome.isolationPrecision()).isNaN();
    assertThat(listener.events).filteredOn(e -> e instanceof Phase).containsExactly(Phase.TRAINING);
    assertThat(listener.isolation).isNull();
  }

  @Test
  void ablWithoutExpansion_isolatesThePoison_andSuspectFilteringFindsTheRest() throws Exception {
    RecordingListener listener = new RecordingListener();
    TrainingOutcome outcome =
        runner.run(
            // The configuration before expansion became the default: filtering alone finds the rest.
            badNets(
                shortRun().epochs(5).isolationEpochs(2).isolationExpansion(false).isolateEarly(false)
                    .ranking(Ranking.GLOBAL).finalDecayEpochs(0).build()),
            Device.cpu(), listener, () -> false);

    EpochReport lastIsolationEpoch = listener.epochs.get(1);
    assertThat(lastIsolationEpoch.phase()).isEqualTo(Phase.ISOLATION);
    // The backdoor is learned during isolation, and faster than the clean task.
    assertThat(lastIsolationEpoch.attackSuccessRate()).isGreaterThan(0.8);
    assertThat(lastIsolationEpoch.meanLossPoisoned()).isLessThan(lastIsolationEpoch.meanLossClean());

    // 1% of 6000 = 60 isolated; the poison rate is 10%, so chance precision would be 0.1.
    assertThat(listener.isolation.indices()).hasSize(60);
    assertThat(listener.isolation.precision()).isGreaterThan(0.9);
    assertThat(outcome.isolationPrecision()).isEqualTo(listener.isolation.precision());
    // The first suspect filtering (after the first GGA epoch) removes poisons far above their 9% share of
    // D_c (precision 0.69 on two intra-op threads, 0.49 on one: the first GGA epoch's damage to clean
    // samples of the target class depends on the arithmetic); later passes find what is left.
    assertThat(listener.filters).hasSize(2);
    assertThat(listener.filters.get(0).removedCount()).isPositive();
    assertThat(listener.filters.get(0).precision()).isGreaterThan(0.4);
    assertThat(listener.filters.get(0).recall()).isGreaterThan(0.8);

    assertThat(outcome.epochs()).isEqualTo(5);
    // One seed of a 5-epoch run: the figures move with the shuffling stream. Seed 7 gave CA 0.679 / ASR
    // 0.001 with one Random for the whole run, CA 0.599 / ASR 0.101 with each epoch reseeded from (seed,
    // epoch) for exact resumes; the bounds leave room for such draws, still far from undefended.
    assertThat(outcome.cleanAccuracy()).isGreaterThan(0.55); // chance is 0.1
    assertThat(outcome.attackSuccessRate()).isLessThan(0.15); // undefended: > 0.9
    assertThat(listener.events)
        .filteredOn(e -> e instanceof Phase)
        .containsExactly(Phase.ISOLATION, Phase.ISOLATED, Phase.UNLEARNING);
  }

  @Test
  void isolationExpansion_isolatesThePoisonsTheRankingLeft_beforeUnlearning() throws Exception {
    RecordingListener listener = new RecordingListener();
    TrainingOutcome outcome =
        runner.run(
            badNets(shortRun().epochs(4).isolationEpochs(2).isolationExpansion(true).build()),
            Device.cpu(), listener, () -> false);

    // 60 isolated by the ranking; 540 poisons left in D_c (9% of it). The expansion comes first, at the
    // turning epoch, then suspect filtering after the first two GGA epochs.
    FilterReport expansion = listener.filters.get(0);
    assertThat(expansion.expansion()).isTrue();
    assertThat(expansion.epoch()).isEqualTo(2);
    assertThat(expansion.precision()).isGreaterThan(0.9);
    assertThat(expansion.recall()).isGreaterThan(0.8);
    assertThat(listener.filters.subList(1, listener.filters.size())).noneMatch(FilterReport::expansion);
    // Two GGA epochs, both in the default final decay at a tenth of the rate: ASR 0.0% on one intra-op
    // thread, 7.2% on two; undefended it is > 0.9.
    assertThat(outcome.attackSuccessRate()).isLessThan(0.15);
    assertThat(outcome.cleanAccuracy()).isGreaterThan(0.6);
  }

  @Test
  void abl_onCleanData_expandsNothing_andSoFiltersNothing() throws Exception {
    RecordingListener listener = new RecordingListener();
    // One poisoned image in 6000: nothing to isolate. The ranking still picks 60 samples, of easy classes.
    Experiment clean =
        new Experiment(
            new DatasetRef("fashion-mnist", 6000, 1000),
            new AttackConfig(AttackKind.BADNETS, 0, 1.0 / 6000, 3),
            ModelArch.SMALL_CNN,
            shortRun().epochs(4).isolationEpochs(2).build(),
            7);

    runner.run(clean, Device.cpu(), listener, () -> false);

    // The picked samples are typical of their classes: no label stands apart, none is expanded, and
    // suspect filtering, which would follow a confirmed label, drops no clean sample.
    assertThat(listener.filters).hasSize(1);
    assertThat(listener.filters.get(0).expansion()).isTrue();
    assertThat(listener.filters.get(0).removedCount()).isZero();
  }

  @Test
  void isolateEarly_turnsAsSoonAsTheRankingSettlesOnOneLabel() throws Exception {
    RecordingListener listener = new RecordingListener();
    runner.run(
        badNets(shortRun().epochs(5).isolationEpochs(4).isolateEarly(true).build()),
        Device.cpu(), listener, () -> false);

    // BadNets is learned within the first epoch (see above): the ranking's lowest 1% is the target label
    // from then on, so isolation comes at epoch 2, not at the latest turning epoch 4.
    assertThat(listener.isolation.epoch()).isEqualTo(2);
    assertThat(listener.isolation.precision()).isGreaterThan(0.9);
    assertThat(listener.epochs).extracting(EpochReport::phase)
        .containsExactly(Phase.ISOLATION, Phase.ISOLATION, Phase.UNLEARNING, Phase.UNLEARNING, Phase.UNLEARNING);
  }

  @Test
  void cancellation_stopsWithinOneStep() {
    AtomicLong lastStep = new AtomicLong(-1);
    TrainingListener countSteps =
        new TrainingListener() {
          @Override
          public void onStep(StepReport report) {
            lastStep.set(report.step());
          }
        };
    // Reports come every step; cancel once step 10 was reported: step 11 must never start.
    assertThatThrownBy(
            () ->
                runner.run(
                    badNets(shortRun().stepReportInterval(1).build()), Device.cpu(), countSteps,
                    () -> lastStep.get() >= 10))
        .isInstanceOf(TrainingCancelledException.class)
        .hasMessageContaining("step 11");
    assertThat(lastStep.get()).isEqualTo(10);
  }
}
