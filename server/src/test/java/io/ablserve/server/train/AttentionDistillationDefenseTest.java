package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.Device;
import io.ablserve.server.data.CleanData;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The NAD baseline on BaselineDefensesTest's small Fashion-MNIST set: 2 plain epochs, 2 teacher epochs and
 * 2 distillation epochs on 96 clean images, what each trains on, and resuming inside either stage.
 */
@Tag("training")
class AttentionDistillationDefenseTest {

  @BeforeAll
  static void catalog() {
    BaselineDefensesTest.catalog();
  }

  static Experiment experiment() {
    Experiment base = BaselineDefensesTest.experiment(Defense.NAD);
    return new Experiment(
        base.dataset(), base.attack(), base.model(), base.abl(), base.seed(), new CleanData("", 96, 0),
        new FineTuning(2, 0.001, 0.04, 0.9, 2, FineTuning.DEFAULTS.distillationWeight()));
  }

  /** An uninterrupted run of {@link #experiment}, made once for the tests that compare with it. */
  private static Straight straight;

  private record Straight(
      RecordingListener listener, ResumeTest.MemoryCheckpoints checkpoints, TrainingOutcome outcome) {}

  private static synchronized Straight straight() throws Exception {
    if (straight == null) {
      RecordingListener listener = new RecordingListener();
      ResumeTest.MemoryCheckpoints checkpoints = new ResumeTest.MemoryCheckpoints();
      TrainingOutcome outcome =
          BaselineDefensesTest.runner.run(
              experiment(), Device.cpu(), listener, () -> false, checkpoints, ModelSink.NONE);
      straight = new Straight(listener, checkpoints, outcome);
    }
    return straight;
  }

  @Test
  void nad_trainsPlainly_thenATeacher_thenDistilsTheStudent_onTheCleanSubsetAlone() throws Exception {
    RecordingListener listener = straight().listener();
    ResumeTest.MemoryCheckpoints checkpoints = straight().checkpoints();
    TrainingOutcome outcome = straight().outcome();

    assertThat(listener.events).filteredOn(Phase.class::isInstance)
        .containsExactly(Phase.TRAINING, Phase.FINETUNING);
    assertThat(listener.epochs).extracting(EpochReport::phase)
        .containsExactly(
            Phase.TRAINING, Phase.TRAINING, Phase.FINETUNING, Phase.FINETUNING, Phase.FINETUNING,
            Phase.FINETUNING);
    assertThat(listener.epochs).extracting(EpochReport::epoch).containsExactly(0, 1, 2, 3, 4, 5);
    // Teacher and student epochs step over the 96 clean images alone, 3 batches of 32, no poisoned one.
    for (int epoch = 2; epoch < 6; epoch++) {
      int e = epoch;
      assertThat(listener.steps.stream().filter(s -> s.epoch() == e).count()).as("epoch %d", e).isEqualTo(3);
    }
    assertThat(listener.epochs.subList(2, 6)).allSatisfy(e -> assertThat(e.meanLossPoisoned()).isNaN());
    assertThat(listener.epochs.subList(2, 6)).allSatisfy(e -> assertThat(e.classAccuracy()).hasSize(10));
    assertThat(listener.steps).filteredOn(s -> s.phase() == Phase.FINETUNING)
        .allSatisfy(s -> assertThat(s.learningRate()).isCloseTo(0.001, offset(1e-9)));
    // The student's loss has the attention term beside its cross-entropy; the teacher's has none.
    assertThat(listener.steps).filteredOn(s -> s.epoch() >= 4)
        .allSatisfy(s -> assertThat(s.objective()).isGreaterThan(s.batchLoss()));
    assertThat(listener.steps).filteredOn(s -> s.epoch() == 2 || s.epoch() == 3)
        .allSatisfy(s -> assertThat(s.objective()).isCloseTo(s.batchLoss(), offset(1e-5)));
    assertThat(outcome.epochs()).isEqualTo(6);
    assertThat(outcome.cleanAccuracy()).isEqualTo(listener.epochs.get(5).cleanAccuracy());

    // The student waits beside the teacher while it trains; then the frozen teacher waits beside it.
    List<TrainingState> saved = checkpoints.saved;
    assertThat(aside(saved.get(1))).isEmpty();
    assertThat(aside(saved.get(2))).isNotEmpty().isEqualTo(aside(saved.get(3)));
    assertThat(aside(saved.get(4))).isNotEmpty().isNotEqualTo(aside(saved.get(3)))
        .isEqualTo(aside(saved.get(5)));
  }

  @Test
  void nad_resumedInsideTheTeachersEpochs_runsAsAnUninterruptedRun() throws Exception {
    resumesAfter(2);
  }

  @Test
  void nad_resumedInsideTheDistillation_keepsTheTeacherItSetAside() throws Exception {
    resumesAfter(4);
  }

  private static void resumesAfter(int epoch) throws Exception {
    Experiment experiment = experiment();
    RecordingListener straight = straight().listener();
    TrainingOutcome expected = straight().outcome();

    ResumeTest.MemoryCheckpoints checkpoints = BaselineDefensesTest.stoppedAfterEpoch(experiment, epoch);
    RecordingListener resumed = new RecordingListener();
    TrainingOutcome outcome =
        BaselineDefensesTest.runner.run(
            experiment, Device.cpu(), resumed, () -> false, checkpoints, ModelSink.NONE);

    assertThat(resumed.events).doesNotContain(Phase.TRAINING, Phase.FINETUNING);
    assertThat(resumed.epochs).extracting(EpochReport::epoch)
        .containsExactlyElementsOf(java.util.stream.IntStream.range(epoch + 1, 6).boxed().toList());
    assertThat(resumed.steps).extracting(StepReport::step)
        .containsExactlyElementsOf(
            straight.steps.stream().filter(s -> s.epoch() > epoch).map(StepReport::step).toList());
    for (int i = 0; i < resumed.steps.size(); i++) {
      StepReport again = resumed.steps.get(i);
      StepReport first = straight.steps.stream().filter(s -> s.step() == again.step()).findFirst().orElseThrow();
      assertThat(again.objective()).as("step %d", again.step()).isCloseTo(first.objective(), offset(0.02));
    }
    assertThat(outcome.epochs()).isEqualTo(6);
    assertThat(outcome.cleanAccuracy()).isCloseTo(expected.cleanAccuracy(), offset(0.01));
    assertThat(outcome.attackSuccessRate()).isCloseTo(expected.attackSuccessRate(), offset(0.01));
  }

  /** The network NAD set aside, as checkpoint {@code state} keeps it. */
  private static byte[] aside(TrainingState state) {
    return SetAside.in(state.defenseState());
  }
}
