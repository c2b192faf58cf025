package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import io.ablserve.server.data.CleanData;
import io.ablserve.server.data.ImageSet;
import io.ablserve.server.model.ModelArch;
import io.ablserve.server.model.Models;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The MCR baseline on BaselineDefensesTest's small Fashion-MNIST set: 2 plain epochs, 2 epochs for each
 * endpoint and 2 curve epochs on 96 clean images; the curve's weights as its checkpoints keep them, the point
 * the model ends at, its BatchNorm statistics, and resuming inside each stage.
 */
@Tag("training")
class ModeConnectivityDefenseTest {
  private static final double T = 0.4;

  @BeforeAll
  static void catalog() {
    BaselineDefensesTest.catalog();
  }

  static Experiment experiment() {
    Experiment base = BaselineDefensesTest.experiment(Defense.MCR);
    return new Experiment(
        base.dataset(), base.attack(), base.model(), base.abl(), base.seed(), new CleanData("", 96, 0),
        new FineTuning(2, 0.01, 0.04, 0.9, 1, 10, 2, T));
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
  void mcr_trainsPlainly_thenTwoEndpoints_thenTheCurve_onTheCleanSubsetAlone() throws Exception {
    RecordingListener listener = straight().listener();
    TrainingOutcome outcome = straight().outcome();

    assertThat(listener.events).filteredOn(Phase.class::isInstance)
        .containsExactly(Phase.TRAINING, Phase.FINETUNING);
    assertThat(listener.epochs).extracting(EpochReport::epoch).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    assertThat(listener.epochs.subList(2, 8)).allSatisfy(e -> assertThat(e.phase()).isEqualTo(Phase.FINETUNING));
    // Endpoint and curve epochs step over the 96 clean images alone, 3 batches of 32, no poisoned one.
    for (int epoch = 2; epoch < 8; epoch++) {
      int e = epoch;
      assertThat(listener.steps.stream().filter(s -> s.epoch() == e).count()).as("epoch %d", e).isEqualTo(3);
    }
    assertThat(listener.epochs.subList(2, 8)).allSatisfy(e -> assertThat(e.meanLossPoisoned()).isNaN());
    assertThat(listener.epochs.subList(2, 8)).allSatisfy(e -> assertThat(e.classAccuracy()).hasSize(10));
    assertThat(listener.steps).filteredOn(s -> s.phase() == Phase.FINETUNING)
        .allSatisfy(s -> assertThat(s.learningRate()).isCloseTo(0.01, offset(1e-9)));
    assertThat(outcome.epochs()).isEqualTo(8);
    assertThat(outcome.cleanAccuracy()).isEqualTo(listener.epochs.get(7).cleanAccuracy());
    assertThat(outcome.attackSuccessRate()).isEqualTo(listener.epochs.get(7).attackSuccessRate());
  }

  @Test
  void curve_runsFromTheFirstEndpointToTheSecond_andTrainsOnlyItsMiddlePoint() throws Exception {
    List<TrainingState> saved = straight().checkpoints().saved;
    assertThat(saved).extracting(TrainingState::epoch).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      float[][] plain = weights(saved.get(1).parameters(), manager);
      float[][] first = weights(saved.get(3).parameters(), manager);
      float[][] second = weights(saved.get(5).parameters(), manager);
      // The backdoored model waits beside the first endpoint, which then waits beside the second.
      assertThat(asideWeights(aside(saved.get(2)), manager)).isDeepEqualTo(plain);
      assertThat(asideWeights(aside(saved.get(4)), manager)).isDeepEqualTo(first);
      assertThat(java.util.Arrays.deepEquals(first, second)).as("the endpoints differ").isFalse();

      float[][][] afterFirst = curve(aside(saved.get(6)), manager);
      float[][][] afterLast = curve(aside(saved.get(7)), manager);
      List<Parameter> parameters = parameters(manager);
      for (float[][][] curve : List.of(afterFirst, afterLast)) {
        assertThat(curve[0]).isDeepEqualTo(first);
        assertThat(curve[2]).isDeepEqualTo(second);
      }
      boolean moved = false;
      for (int i = 0; i < parameters.size(); i++) {
        float[] mean = mean(first[i], second[i]);
        if (parameters.get(i).requiresGradient()) {
          moved |= maxDifference(afterFirst[1][i], mean) > 1e-5;
          assertThat(maxDifference(afterLast[1][i], afterFirst[1][i]))
              .as("theta's %s moves in the last epoch", parameters.get(i).getName()).isPositive();
        } else {
          // BatchNorm's statistics are no trained parameter: theta keeps the endpoints' mean.
          assertThat(afterLast[1][i]).containsExactly(mean);
        }
      }
      assertThat(moved).as("theta left the endpoints' mean").isTrue();
    }
  }

  @Test
  void model_endsAtThePickedPoint_withBatchNormStatisticsRecomputedThere() throws Exception {
    List<TrainingState> saved = straight().checkpoints().saved;
    ExperimentRunner.Prepared prepared = BaselineDefensesTest.runner.prepare(experiment());
    ImageSet clean = prepared.clean().images();
    BatchLoader loader =
        new BatchLoader(
            clean, BatchLoader.ChannelStats.of(prepared.train().images()), AblTrainer.EVAL_BATCH, Device.cpu());
    int[] samples = IntStream.range(0, clean.size()).toArray();
    Block block = Models.create(ModelArch.SMALL_CNN, 1, 28, 28, 10);
    try (Model model = Model.newInstance("mcr", Device.cpu())) {
      model.setBlock(block);
      try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()))) {
        trainer.initialize(new Shape(1, 1, 28, 28));
        NDManager manager = trainer.getManager();
        float[][][] curve = curve(aside(saved.get(7)), manager);
        float[][] picked = weights(saved.get(7).parameters(), manager);
        List<Parameter> parameters = block.getParameters().values();
        BatchNormStatistics statistics = new BatchNormStatistics(trainer, loader, samples, 32);
        try (BezierCurve bezier = BezierCurve.decode(trainer, aside(saved.get(7)), T, statistics)) {
          bezier.moveTo(0);
          assertThat(arrays(parameters)).isDeepEqualTo(curve[0]);
          bezier.moveTo(1);
          assertThat(arrays(parameters)).isDeepEqualTo(curve[2]);

          bezier.settle();
          float[][] settled = arrays(parameters);
          double statisticsMoved = 0;
          for (int i = 0; i < parameters.size(); i++) {
            Parameter p = parameters.get(i);
            float[] formula = bezier(curve[0][i], curve[1][i], curve[2][i], T);
            if (p.requiresGradient()) {
              assertThat(settled[i]).as(p.getName()).containsExactly(formula, offset(1e-6f));
              assertThat(picked[i]).as(p.getName()).containsExactly(formula, offset(1e-6f));
            } else {
              // Recomputed, not mixed: the run's and this pass's agree, and they are not the endpoints' mix.
              statisticsMoved = Math.max(statisticsMoved, maxDifference(settled[i], formula));
              assertThat(picked[i]).as(p.getName()).containsExactly(settled[i], offset(1e-3f));
            }
          }
          assertThat(statisticsMoved).isGreaterThan(1e-3);
          // The first BatchNorm's running mean is its input's mean over the clean images, channel by channel.
          Parameter runningMean =
              parameters.stream().filter(p -> p.getType() == Parameter.Type.RUNNING_MEAN).findFirst().orElseThrow();
          assertThat(runningMean.getArray().toFloatArray())
              .containsExactly(firstConvolutionMean(trainer, loader, samples), offset(1e-4f));
        }
      }
    }
  }

  @Test
  void mcr_resumedAtTheSecondEndpoint_startsItFromTheBackdooredModel() throws Exception {
    resumesAfter(3);
  }

  @Test
  void mcr_resumedInsideTheCurve_keepsTheCurveItSetAside() throws Exception {
    resumesAfter(6);
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
        .containsExactlyElementsOf(IntStream.range(epoch + 1, 8).boxed().toList());
    assertThat(resumed.steps).extracting(StepReport::step)
        .containsExactlyElementsOf(
            straight.steps.stream().filter(s -> s.epoch() > epoch).map(StepReport::step).toList());
    for (StepReport again : resumed.steps) {
      StepReport first = straight.steps.stream().filter(s -> s.step() == again.step()).findFirst().orElseThrow();
      assertThat(again.batchLoss()).as("step %d", again.step()).isCloseTo(first.batchLoss(), offset(0.02));
    }
    assertThat(outcome.epochs()).isEqualTo(8);
    assertThat(outcome.cleanAccuracy()).isCloseTo(expected.cleanAccuracy(), offset(0.01));
    assertThat(outcome.attackSuccessRate()).isCloseTo(expected.attackSuccessRate(), offset(0.01));
  }

  /** The parameters of a small CNN for Fashion-MNIST, in the order its weights are encoded. */
  private static List<Parameter> parameters(NDManager manager) {
    Block block = Models.create(ModelArch.SMALL_CNN, 1, 28, 28, 10);
    block.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 28, 28));
    return block.getParameters().values();
  }

  /** The weights of a checkpoint's model ({@code Block.saveParameters} form), in parameter order. */
  private static float[][] weights(byte[] saved, NDManager manager) throws Exception {
    Block block = Models.create(ModelArch.SMALL_CNN, 1, 28, 28, 10);
    block.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 28, 28));
    block.loadParameters(manager, new DataInputStream(new ByteArrayInputStream(saved)));
    return arrays(block.getParameters().values());
  }

  /** One network set aside ({@link NetworkWeights#encode} form), in parameter order. */
  private static float[][] asideWeights(byte[] aside, NDManager manager) {
    return NDList.decode(manager, aside).stream().map(NDArray::toFloatArray).toArray(float[][]::new);
  }

  /** The curve a checkpoint sets aside: the first endpoint, theta, the second endpoint. */
  private static float[][][] curve(byte[] aside, NDManager manager) throws Exception {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(aside));
    float[][][] out = new float[3][][];
    for (int k = 0; k < 3; k++) {
      out[k] = asideWeights(in.readNBytes(in.readInt()), manager);
    }
    assertThat(in.available()).isZero();
    return out;
  }

  private static float[][] arrays(List<Parameter> parameters) {
    return parameters.stream().map(p -> p.getArray().toFloatArray()).toArray(float[][]::new);
  }

  private static float[] mean(float[] a, float[] b) {
    float[] out = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = (b[i] + a[i]) * 0.5f;
    }
    return out;
  }

  private static float[] bezier(float[] a, float[] theta, float[] b, double t) {
    float[] out = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = (float) ((1 - t) * (1 - t) * a[i] + 2 * t * (1 - t) * theta[i] + t * t * b[i]);
    }
    return out;
  }

  private static double maxDifference(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  /** Each channel's mean of the first convolution's output (the first BatchNorm's input) over the samples. */
  private static float[] firstConvolutionMean(Trainer trainer, BatchLoader loader, int[] samples) {
    Block convolution = trainer.getModel().getBlock().getChildren().values().get(0);
    ParameterStore store = new ParameterStore(trainer.getManager(), false);
    try (NDManager batch = trainer.getManager().newSubManager()) {
      NDArray out =
          convolution.forward(store, new NDList(loader.images(batch, samples, 0, samples.length)), false)
              .singletonOrThrow();
      float[] sums = out.sum(new int[] {0, 2, 3}).toFloatArray();
      float perChannel = (float) out.size() / sums.length;
      for (int c = 0; c < sums.length; c++) {
        sums[c] /= perChannel;
      }
      return sums;
    }
  }

  /** What MCR set aside for its next stage, as checkpoint {@code state} keeps it. */
  private static byte[] aside(TrainingState state) {
    return SetAside.in(state.defenseState());
  }
}
