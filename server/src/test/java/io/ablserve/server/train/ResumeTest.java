package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.ablserve.server.DefenseModule;
import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.AttackKind;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetRef;
import io.ablserve.server.model.ModelArch;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A run stopped after an epoch and resumed from that epoch's checkpoint ends where an uninterrupted run
 * with the same seed ends: same parameters, momentum, sets, step numbers and per-epoch shuffling.
 */
@Tag("training")
class ResumeTest {

  /** Keeps every checkpoint in memory; the latest is the last saved. */
  static final class MemoryCheckpoints implements Checkpoints {
    final List<TrainingState> saved = new ArrayList<>();

    @Override
    public void save(TrainingState state) {
      saved.add(state);
    }

    @Override
    public Optional<TrainingState> latest() {
      return saved.isEmpty() ? Optional.empty() : Optional.of(saved.get(saved.size() - 1));
    }
  }

  @Test
  void resumedAfterAnUnlearningEpoch_endsLikeAnUninterruptedRun() throws Exception {
    ExperimentRunner runner = runner();
    // The paper's recipe: unlearning follows the ranking, whatever the backdoor check would say.
    Experiment experiment =
        small(AttackKind.BADNETS, AblConfig.builder().epochs(5).isolationEpochs(2).isolationExpansion(false));

    RecordingListener straight = new RecordingListener();
    MemoryCheckpoints straightCheckpoints = new MemoryCheckpoints();
    TrainingOutcome expected =
        runner.run(experiment, Device.cpu(), straight, () -> false, straightCheckpoints, ModelSink.NONE);
    // Each of the 5 epochs, plus one right after the ranking.
    assertThat(straightCheckpoints.saved)
        .extracting(TrainingState::epoch)
        .containsExactly(0, 1, 1, 2, 3, 4);

    // Stop at the first step after the checkpoint of epoch 2, the first unlearning epoch.
    MemoryCheckpoints checkpoints = stoppedAfterEpoch(runner, experiment, 2);
    TrainingState at = checkpoints.latest().orElseThrow();
    assertThat(at.epoch()).isEqualTo(2);
    assertThat(at.phase()).isEqualTo(Phase.UNLEARNING);

    RecordingListener resumed = new RecordingListener();
    TrainingOutcome outcome = runner.run(experiment, Device.cpu(), resumed, () -> false, checkpoints, ModelSink.NONE);

    assertThat(resumed.isolation).isNull(); // the ranking is restored, not reported again
    assertThat(resumed.events).doesNotContain(Phase.ISOLATION, Phase.ISOLATED, Phase.UNLEARNING);
    assertThat(resumed.epochs).extracting(EpochReport::epoch).containsExactly(3, 4);
    assertThat(resumed.steps.get(0).step()).isGreaterThanOrEqualTo(at.step());
    assertThat(resumed.steps).extracting(StepReport::step)
        .containsExactlyElementsOf(
            straight.steps.stream().filter(s -> s.epoch() >= 3).map(StepReport::step).toList());
    System.out.printf(
        "uninterrupted CA=%.4f ASR=%.4f, resumed CA=%.4f ASR=%.4f%n",
        expected.cleanAccuracy(), expected.attackSuccessRate(), outcome.cleanAccuracy(),
        outcome.attackSuccessRate());
    assertThat(outcome.cleanAccuracy()).isCloseTo(expected.cleanAccuracy(), within(0.01));
    assertThat(outcome.attackSuccessRate()).isCloseTo(expected.attackSuccessRate(), within(0.01));
    assertThat(outcome.isolationPrecision()).isEqualTo(expected.isolationPrecision());
    assertThat(outcome.isolationRecall()).isEqualTo(expected.isolationRecall());
  }

  @Test
  void resumedMidIsolation_ranksByTheLossCurveOfEveryIsolationEpoch() throws Exception {
    ExperimentRunner runner = runner();
    Experiment experiment =
        small(
            AttackKind.BADNETS,
            AblConfig.builder().epochs(3).isolationEpochs(2).isolateEarly(false).isolationExpansion(false)
                .isolationSignal(IsolationSignal.LOSS_DROP));
    RecordingListener straight = new RecordingListener();
    MemoryCheckpoints straightCheckpoints = new MemoryCheckpoints();
    runner.run(experiment, Device.cpu(), straight, () -> false, straightCheckpoints, ModelSink.NONE);
    // The loss curve travels with the isolation epochs' checkpoints and is dropped once ranked.
    assertThat(sets(straightCheckpoints.saved.get(0)).lossSums()).hasSize(Float.BYTES * 1200);
    assertThat(sets(straightCheckpoints.saved.get(straightCheckpoints.saved.size() - 1)).lossSums()).isEmpty();

    MemoryCheckpoints checkpoints = stoppedAfterEpoch(runner, experiment, 0);
    RecordingListener resumed = new RecordingListener();
    runner.run(experiment, Device.cpu(), resumed, () -> false, checkpoints, ModelSink.NONE);

    assertThat(resumed.isolation.indices()).containsExactlyInAnyOrder(straight.isolation.indices());
  }

  @Test
  void resumedAfterAnEarlyIsolation_goesOnUnlearningWithoutIsolatingAgain() throws Exception {
    ExperimentRunner runner = runner();
    Experiment experiment =
        new Experiment(
            new DatasetRef("fashion-mnist", 3000, 300),
            new AttackConfig(AttackKind.BADNETS, 0, 0.1, 3),
            ModelArch.SMALL_CNN,
            AblConfig.builder().batchSize(64).stepReportInterval(5).epochs(6).isolationEpochs(4)
                .isolateEarly(true).isolationExpansion(false).build(),
            11);
    RecordingListener straight = new RecordingListener();
    TrainingOutcome expected = runner.run(experiment, Device.cpu(), straight, () -> false);
    int turning = straight.isolation.epoch();
    assertThat(turning).isLessThan(4); // BadNets settles the ranking on its target label early

    // Stop right after the first unlearning epoch's checkpoint, then resume: the isolation epochs left
    // before the latest turning epoch (4) must not run again.
    MemoryCheckpoints checkpoints = stoppedAfterEpoch(runner, experiment, turning);
    RecordingListener resumed = new RecordingListener();
    TrainingOutcome outcome = runner.run(experiment, Device.cpu(), resumed, () -> false, checkpoints, ModelSink.NONE);

    assertThat(resumed.epochs).allMatch(e -> e.phase() == Phase.UNLEARNING);
    assertThat(resumed.epochs).extracting(EpochReport::epoch)
        .containsExactlyElementsOf(java.util.stream.IntStream.range(turning + 1, 6).boxed().toList());
    assertThat(outcome.cleanAccuracy()).isCloseTo(expected.cleanAccuracy(), within(0.01));
    assertThat(outcome.attackSuccessRate()).isCloseTo(expected.attackSuccessRate(), within(0.01));
  }

  @Test
  void resumedWhileFollowingAnEarlyConfirmedBackdoor_isolatesWhatAnUninterruptedRunIsolates() throws Exception {
    ExperimentRunner runner = runner();
    Experiment experiment = badNets3000(AblConfig.builder());
    MemoryCheckpoints straightCheckpoints = new MemoryCheckpoints();
    TrainingOutcome expected =
        runner.run(experiment, Device.cpu(), new RecordingListener(), () -> false, straightCheckpoints,
            ModelSink.NONE);
    // The check confirmed the backdoor before the turn and saved the core it follows.
    TrainingState core =
        straightCheckpoints.saved.stream().filter(ResumeTest::followsCore).findFirst()
            .orElseThrow(() -> new AssertionError("no backdoor confirmed before the turn"));
    assertThat(core.epoch()).isLessThan(3);
    assertThat(core.verdict().confirmed()).isTrue();
    TrainingState straightRanked =
        straightCheckpoints.saved.stream().filter(s -> sets(s).ranked()).findFirst().orElseThrow();
    assertThat(straightRanked.epoch()).isEqualTo(3); // followed to isolation_epochs, not turned early
    // Followed, the turn takes at least the core out of D_c: ascended, or a suspect where the trigger probe
    // does not back a member.
    assertThat(3000 - sets(straightRanked).kept().length).isGreaterThanOrEqualTo(sets(core).isolated().length);

    // Stop at the first step after the core's checkpoint.
    MemoryCheckpoints checkpoints = stoppedAfter(runner, experiment, ResumeTest::followsCore);
    assertThat(sets(checkpoints.latest().orElseThrow()).isolated()).isEqualTo(sets(core).isolated());
    RecordingListener resumed = new RecordingListener();
    TrainingOutcome outcome = runner.run(experiment, Device.cpu(), resumed, () -> false, checkpoints, ModelSink.NONE);

    TrainingState resumedRanked = checkpoints.saved.stream().filter(s -> sets(s).ranked()).findFirst().orElseThrow();
    assertThat(sets(resumedRanked).isolated()).isEqualTo(sets(straightRanked).isolated());
    assertThat(sets(resumedRanked).kept()).isEqualTo(sets(straightRanked).kept());
    assertThat(resumed.epochs).extracting(EpochReport::epoch)
        .containsExactlyElementsOf(java.util.stream.IntStream.range(core.epoch() + 1, 6).boxed().toList());
    assertThat(outcome.isolationPrecision()).isEqualTo(expected.isolationPrecision());
    assertThat(outcome.cleanAccuracy()).isCloseTo(expected.cleanAccuracy(), within(0.01));
    assertThat(outcome.attackSuccessRate()).isCloseTo(expected.attackSuccessRate(), within(0.01));
  }

  /**
   * With {@link SuspectTreatment#PSEUDO_LABEL} the suspects train under the model's labels from the second
   * unlearning epoch, labelled afresh each epoch from the model as it is; a run resumed there labels them
   * from the restored model and ends like the uninterrupted one.
   */
  @Test
  void resumedWhilePseudoLabellingSuspects_endsLikeAnUninterruptedRun() throws Exception {
    ExperimentRunner runner = runner();
    Experiment experiment = badNets3000(AblConfig.builder().suspectTreatment(SuspectTreatment.PSEUDO_LABEL));
    List<String> log = new ArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        synchronized (log) {
          log.add(record.getMessage());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger logger = Logger.getLogger(AblDefense.class.getName());
    logger.addHandler(handler);
    try {
      MemoryCheckpoints straightCheckpoints = new MemoryCheckpoints();
      TrainingOutcome expected =
          runner.run(experiment, Device.cpu(), new RecordingListener(), () -> false, straightCheckpoints,
              ModelSink.NONE);
      TrainingState ranked = straightCheckpoints.saved.stream().filter(s -> sets(s).ranked()).findFirst().orElseThrow();
      assertThat(ranked.verdict().confirmed()).isTrue();
      int suspects = 3000 - sets(ranked).kept().length - sets(ranked).isolated().length;
      assertThat(suspects).isPositive();
      // Epoch 5 labels the suspects; the first unlearning epoch, 4, leaves them out.
      assertThat(log).filteredOn(m -> m.contains("suspects train under the model's labels"))
          .singleElement().asString()
          .startsWith("epoch 5: ").contains(" of " + suspects + " suspects").doesNotStartWith("epoch 5: 0 of");
      int labelled = labelledCount(log);

      MemoryCheckpoints checkpoints = stoppedAfterEpoch(runner, experiment, 4);
      log.clear();
      RecordingListener resumed = new RecordingListener();
      TrainingOutcome outcome =
          runner.run(experiment, Device.cpu(), resumed, () -> false, checkpoints, ModelSink.NONE);

      assertThat(resumed.epochs).extracting(EpochReport::epoch).containsExactly(5);
      // The restored model labels the suspects as the uninterrupted run's did (a confidence within rounding
      // of the threshold may go either way).
      assertThat(labelledCount(log)).isCloseTo(labelled, org.assertj.core.data.Offset.offset(2));
      assertThat(outcome.cleanAccuracy()).isCloseTo(expected.cleanAccuracy(), within(0.01));
      assertThat(outcome.attackSuccessRate()).isCloseTo(expected.attackSuccessRate(), within(0.01));
    } finally {
      logger.removeHandler(handler);
    }
  }

  @Test
  void resumedWhileRetrainingAfterAnUnconfirmedCheck_endsLikeAnUninterruptedRun_andKeepsTheVerdict()
      throws Exception {
    ExperimentRunner runner = runner();
    Experiment experiment = small(AttackKind.NONE, AblConfig.builder().epochs(5).isolationEpochs(2));
    RecordingListener straight = new RecordingListener();
    MemoryCheckpoints straightCheckpoints = new MemoryCheckpoints();
    TrainingOutcome expected =
        runner.run(experiment, Device.cpu(), straight, () -> false, straightCheckpoints, ModelSink.NONE);
    assertThat(expected.verdict().tested()).isTrue();
    assertThat(expected.verdict().confirmed()).isFalse();
    assertThat(expected.epochs()).isEqualTo(7); // 2 isolation epochs, then 5 afresh

    MemoryCheckpoints checkpoints = stoppedAfterEpoch(runner, experiment, 3);
    TrainingState at = checkpoints.latest().orElseThrow();
    assertThat(at.phase()).isEqualTo(Phase.RETRAINING);
    assertThat(sets(at).ranked()).isTrue();
    assertThat(sets(at).isolated()).isEmpty();
    assertThat(sets(at).kept()).hasSize(1200); // every sample trains
    RecordingListener resumed = new RecordingListener();
    TrainingOutcome outcome = runner.run(experiment, Device.cpu(), resumed, () -> false, checkpoints, ModelSink.NONE);

    assertThat(resumed.isolation).isNull();
    assertThat(resumed.epochs).extracting(EpochReport::phase).containsOnly(Phase.RETRAINING);
    assertThat(resumed.epochs).extracting(EpochReport::epoch).containsExactly(4, 5, 6);
    assertThat(outcome.epochs()).isEqualTo(7);
    // The verdict is restored from the checkpoint, not lost with the process.
    assertThat(outcome.verdict().tested()).isTrue();
    assertThat(outcome.verdict().confirmed()).isFalse();
    assertThat(outcome.verdict().evidence()).isEqualTo(expected.verdict().evidence());
    assertThat(outcome.classAccuracy()).hasSize(10);
    TrainingState last = checkpoints.latest().orElseThrow();
    TrainingState straightLast = straightCheckpoints.latest().orElseThrow();
    assertThat(last.epoch()).isEqualTo(6);
    assertThat(last.parameters()).isEqualTo(straightLast.parameters());
    assertThat(last.optimizer()).isEqualTo(straightLast.optimizer());
    assertThat(outcome.cleanAccuracy()).isEqualTo(expected.cleanAccuracy());
  }

  /** How many suspects epoch 5's log line says trained under the model's labels. */
  private static int labelledCount(List<String> log) {
    String line = log.stream().filter(m -> m.startsWith("epoch 5: ")).findFirst().orElseThrow();
    return Integer.parseInt(line.substring("epoch 5: ".length(), line.indexOf(" of ")));
  }

  private static ExperimentRunner runner() {
    Assumptions.assumeTrue(Files.isDirectory(FashionMnistAblTest.FASHION_MNIST));
    return new ExperimentRunner(
        new DatasetCatalog(Map.of("fashion-mnist", FashionMnistAblTest.FASHION_MNIST)),
        DefenseModule.strategies());
  }

  /**
   * 3,000 training images, 10% BadNets on label 0, 6 epochs of which 4 isolate, batches of 64, seed 11: the
   * backdoor check confirms the backdoor early.
   */
  private static Experiment badNets3000(AblConfig.Builder abl) {
    return new Experiment(
        new DatasetRef("fashion-mnist", 3000, 300), new AttackConfig(AttackKind.BADNETS, 0, 0.1, 3),
        ModelArch.SMALL_CNN, abl.batchSize(64).stepReportInterval(5).epochs(6).isolationEpochs(4).build(), 11);
  }

  /** 1,200 training images, 10% poisoned with {@code attack} on label 0, batches of 64, seed 11. */
  private static Experiment small(AttackKind attack, AblConfig.Builder abl) {
    return new Experiment(
        new DatasetRef("fashion-mnist", 1200, 300), new AttackConfig(attack, 0, 0.1, 3), ModelArch.SMALL_CNN,
        abl.batchSize(64).stepReportInterval(5).build(), 11);
  }

  /**
   * The checkpoints of a run of {@code experiment} cancelled at its first step after saving the checkpoint
   * of {@code epoch}.
   */
  static MemoryCheckpoints stoppedAfterEpoch(ExperimentRunner runner, Experiment experiment, int epoch) {
    return stoppedAfter(runner, experiment, state -> state.epoch() == epoch);
  }

  /** The checkpoints of a run cancelled at its first step after saving one that {@code last} accepts. */
  private static MemoryCheckpoints stoppedAfter(
      ExperimentRunner runner, Experiment experiment, java.util.function.Predicate<TrainingState> last) {
    MemoryCheckpoints checkpoints = new MemoryCheckpoints();
    AtomicBoolean stop = new AtomicBoolean();
    Checkpoints stopAfter =
        new Checkpoints() {
          @Override
          public void save(TrainingState state) {
            checkpoints.save(state);
            stop.set(stop.get() || last.test(state));
          }

          @Override
          public Optional<TrainingState> latest() {
            return checkpoints.latest();
          }
        };
    assertThatThrownBy(
            () -> runner.run(experiment, Device.cpu(), new RecordingListener(), stop::get, stopAfter, ModelSink.NONE))
        .isInstanceOf(TrainingCancelledException.class);
    return checkpoints;
  }

  private static org.assertj.core.data.Offset<Double> within(double offset) {
    return org.assertj.core.data.Offset.offset(offset);
  }

  /** Whether {@code state} was saved after a backdoor was confirmed early, before the ranking. */
  private static boolean followsCore(TrainingState state) {
    return !sets(state).ranked() && sets(state).isolated().length > 0;
  }

  /** ABL's sets as checkpoint {@code state} keeps them. */
  private static AblState sets(TrainingState state) {
    return AblState.of(state.defenseState());
  }
}
