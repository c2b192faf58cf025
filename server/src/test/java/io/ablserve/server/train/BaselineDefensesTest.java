package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import io.ablserve.server.DefenseModule;
import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.AttackKind;
import io.ablserve.server.data.CleanData;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetRef;
import io.ablserve.server.data.ImageSet;
import io.ablserve.server.model.ChannelMask;
import io.ablserve.server.model.ModelArch;
import io.ablserve.server.model.Models;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The paper's fine-tuning (FT) and fine-pruning (FP) baselines on a small Fashion-MNIST subset: what they
 * train on, what they prune, and how they resume.
 */
@Tag("training")
class BaselineDefensesTest {
  static ExperimentRunner runner;

  @BeforeAll
  static void catalog() {
    Assumptions.assumeTrue(Files.isDirectory(FashionMnistAblTest.FASHION_MNIST));
    runner =
        new ExperimentRunner(
            new DatasetCatalog(Map.of("fashion-mnist", FashionMnistAblTest.FASHION_MNIST)),
            DefenseModule.strategies());
  }

  /** 600 BadNets-poisoned training images, 2 plain epochs and 2 fine-tuning epochs on 96 clean ones. */
  static Experiment experiment(Defense defense) {
    AblConfig abl =
        AblConfig.builder().defense(defense).epochs(2).isolationEpochs(1).batchSize(32).stepReportInterval(1)
            .build();
    return new Experiment(
        new DatasetRef("fashion-mnist", 600, 200),
        new AttackConfig(AttackKind.BADNETS, 0, 0.1, 3),
        ModelArch.SMALL_CNN,
        abl,
        5,
        new CleanData("", 96, 0),
        new FineTuning(2, 0.001, 0.04, 0.9));
  }

  @Test
  void cleanSubset_isDrawnFromTheTrainingImagesTheAttackLeftUntouched() throws Exception {
    Experiment experiment = experiment(Defense.FT);
    ExperimentRunner.Prepared prepared = runner.prepare(experiment);
    CleanData.Subset clean = prepared.clean();
    ImageSet train = prepared.split().train();

    assertThat(clean.sourceIndices()).hasSize(96).isSorted().doesNotHaveDuplicates();
    assertThat(prepared.train().poisonedCount()).isEqualTo(60);
    for (int k = 0; k < clean.sourceIndices().length; k++) {
      int i = clean.sourceIndices()[k];
      assertThat(i).isBetween(0, train.size() - 1); // the training split, not the test split
      assertThat(prepared.train().poisoned()[i]).as("poisoned index %d", i).isFalse();
      int bytes = train.imageBytes();
      assertThat(Arrays.copyOfRange(clean.images().pixels(), k * bytes, (k + 1) * bytes))
          .isEqualTo(Arrays.copyOfRange(train.pixels(), i * bytes, (i + 1) * bytes));
      assertThat(clean.images().labels()[k]).isEqualTo(train.labels()[i]);
    }
    // The seed fixes the draw: a resumed session fine-tunes on the same images.
    assertThat(runner.prepare(experiment).clean().sourceIndices()).isEqualTo(clean.sourceIndices());
    // 5% of the training set by default.
    Experiment byDefault =
        new Experiment(
            experiment.dataset(), experiment.attack(), experiment.model(), experiment.abl(), 5);
    assertThat(runner.prepare(byDefault).clean().sourceIndices()).hasSize(30);
  }

  @Test
  void cleanSubset_largerThanTheUntouchedImages_failsNamingTheField() {
    Experiment experiment = experiment(Defense.FT);
    Experiment tooMany =
        new Experiment(
            experiment.dataset(), experiment.attack(), experiment.model(), experiment.abl(), 5,
            new CleanData("", 541, 0), experiment.fineTuning());
    assertThatThrownBy(() -> runner.prepare(tooMany))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("clean_data.count 541 exceeds the 540 training images the attack left untouched");
  }

  @Test
  void fineTuning_trainsPlainlyThenFineTunesOnTheCleanSubsetAlone() throws Exception {
    RecordingListener listener = new RecordingListener();
    TrainingOutcome outcome = runner.run(experiment(Defense.FT), Device.cpu(), listener, () -> false);

    assertThat(listener.events).filteredOn(Phase.class::isInstance)
        .containsExactly(Phase.TRAINING, Phase.FINETUNING);
    assertThat(listener.epochs).extracting(EpochReport::phase)
        .containsExactly(Phase.TRAINING, Phase.TRAINING, Phase.FINETUNING, Phase.FINETUNING);
    assertThat(listener.epochs).extracting(EpochReport::epoch).containsExactly(0, 1, 2, 3);
    // Plain epochs step over all 600 images; fine-tuning epochs over the 96 clean ones: 3 batches of 32.
    assertThat(listener.steps.stream().filter(s -> s.epoch() == 0).count()).isEqualTo(19);
    assertThat(listener.steps.stream().filter(s -> s.epoch() == 2).count()).isEqualTo(3);
    assertThat(listener.steps.stream().filter(s -> s.epoch() == 3).count()).isEqualTo(3);
    assertThat(listener.steps).filteredOn(s -> s.phase() == Phase.FINETUNING)
        .allSatisfy(s -> assertThat(s.learningRate()).isCloseTo(0.001, offset(1e-9)));
    // No poisoned sample trains while fine-tuning: the epoch's mean poisoned loss has no sample.
    assertThat(listener.epochs.get(1).meanLossPoisoned()).isFinite();
    assertThat(listener.epochs.subList(2, 4)).allSatisfy(e -> assertThat(e.meanLossPoisoned()).isNaN());
    assertThat(listener.epochs.subList(2, 4)).allSatisfy(e -> assertThat(e.classAccuracy()).hasSize(10));
    assertThat(outcome.epochs()).isEqualTo(4);
    assertThat(outcome.cleanAccuracy()).isEqualTo(listener.epochs.get(3).cleanAccuracy());
    assertThat(outcome.prunedChannels()).isZero();
  }

  @Test
  void pruning_masksTheChannelsLeastActiveOnTheCleanSamples_andFoldsThemIntoTheClassifier() throws Exception {
    ExperimentRunner.Prepared prepared = runner.prepare(experiment(Defense.FP));
    ImageSet images = prepared.clean().images();
    BatchLoader.ChannelStats stats = BatchLoader.ChannelStats.of(prepared.train().images());
    Block block = Models.create(ModelArch.SMALL_CNN, 1, 28, 28, 10);
    try (Model model = Model.newInstance("pruning", Device.cpu())) {
      model.setBlock(block);
      try (Trainer trainer =
          model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()))) {
        trainer.initialize(new Shape(1, 1, 28, 28));
        BatchLoader loader = new BatchLoader(images, stats, AblTrainer.EVAL_BATCH, Device.cpu());
        Evaluator evaluator = new Evaluator(trainer, loader, loader, loader, () -> false);
        Pruning pruning = new Pruning(evaluator);
        int[] samples = IntStream.range(0, images.size()).toArray();

        // No accuracy bound: half the channels go, the least active first.
        Pruning.Result result = pruning.prune(samples, 1.0, 0.5);
        assertThat(result.pruned()).hasSize(32);
        int[] maskedNow = ChannelMask.of(block).pruned();
        double[] expected = meanActivations(trainer, loader, samples);
        assertThat(result.meanActivation()).containsExactly(expected, offset(1e-4));
        double highestPruned = Arrays.stream(result.pruned()).mapToDouble(c -> expected[c]).max().orElseThrow();
        int[] sortedPruned = result.pruned().clone();
        Arrays.sort(sortedPruned);
        IntStream.range(0, 64).filter(c -> Arrays.binarySearch(sortedPruned, c) < 0)
            .forEach(c -> assertThat(expected[c]).as("kept channel %d", c).isGreaterThanOrEqualTo(highestPruned));
        assertThat(maskedNow).containsExactly(sortedPruned);

        // A zero bound prunes only while the accuracy holds.
        Pruning.Result strict = pruning.prune(samples, 0.0, 0.9);
        assertThat(strict.accuracyAfter()).isGreaterThanOrEqualTo(strict.accuracyBefore());
        assertThat(strict.pruned()).containsExactly(Arrays.copyOf(order(expected), strict.pruned().length));

        // Folded, the network computes with an all-ones mask what it computed with the pruned mask.
        pruning.prune(samples, 1.0, 0.5);
        float[] masked = logits(trainer, loader, samples);
        pruning.fold();
        assertThat(logits(trainer, loader, samples)).containsExactly(masked);
        ChannelMask.of(block).prune(new int[0]);
        assertThat(logits(trainer, loader, samples)).containsExactly(masked, offset(1e-5f));
      }
    }
  }

  @Test
  void finePruning_prunesThenFineTunes_andResumesInsideFineTuningWithTheSameMask() throws Exception {
    Experiment experiment = experiment(Defense.FP);
    RecordingListener straight = new RecordingListener();
    ResumeTest.MemoryCheckpoints straightCheckpoints = new ResumeTest.MemoryCheckpoints();
    TrainingOutcome expected =
        runner.run(experiment, Device.cpu(), straight, () -> false, straightCheckpoints, ModelSink.NONE);
    assertThat(straight.epochs).extracting(EpochReport::phase)
        .containsExactly(Phase.TRAINING, Phase.TRAINING, Phase.FINETUNING, Phase.FINETUNING);
    assertThat(expected.prunedChannels()).isPositive().isLessThanOrEqualTo(57); // 90% of 64
    TrainingState firstFineTuned = straightCheckpoints.saved.get(2);
    assertThat(firstFineTuned.phase()).isEqualTo(Phase.FINETUNING);
    assertThat(pruned(firstFineTuned)).hasSize(expected.prunedChannels());
    assertThat(pruned(straightCheckpoints.saved.get(1))).isEmpty(); // trained, not yet pruned

    // Stopped after the first fine-tuning epoch, resumed: the pruned channels come from the checkpoint.
    ResumeTest.MemoryCheckpoints checkpoints = stoppedAfterEpoch(experiment, 2);
    RecordingListener resumed = new RecordingListener();
    TrainingOutcome outcome =
        runner.run(experiment, Device.cpu(), resumed, () -> false, checkpoints, ModelSink.NONE);

    assertThat(resumed.epochs).extracting(EpochReport::epoch).containsExactly(3);
    assertThat(resumed.events).doesNotContain(Phase.TRAINING, Phase.FINETUNING);
    assertThat(resumed.steps).extracting(StepReport::step)
        .containsExactlyElementsOf(straight.steps.stream().filter(s -> s.epoch() == 3).map(StepReport::step).toList());
    assertThat(outcome.prunedChannels()).isEqualTo(expected.prunedChannels());
    assertThat(pruned(checkpoints.latest().orElseThrow())).isEqualTo(pruned(firstFineTuned));
    assertThat(outcome.cleanAccuracy()).isCloseTo(expected.cleanAccuracy(), offset(0.01));
    assertThat(outcome.attackSuccessRate())
        .isCloseTo(expected.attackSuccessRate(), offset(0.01));
  }

  @Test
  void fineTuning_resumedAfterTheLastPlainEpoch_fineTunesEveryFineTuningEpoch() throws Exception {
    Experiment experiment = experiment(Defense.FT);
    RecordingListener straight = new RecordingListener();
    TrainingOutcome expected = runner.run(experiment, Device.cpu(), straight, () -> false);

    ResumeTest.MemoryCheckpoints checkpoints = stoppedAfterEpoch(experiment, 1);
    RecordingListener resumed = new RecordingListener();
    TrainingOutcome outcome =
        runner.run(experiment, Device.cpu(), resumed, () -> false, checkpoints, ModelSink.NONE);

    assertThat(resumed.events).filteredOn(Phase.class::isInstance).containsExactly(Phase.FINETUNING);
    assertThat(resumed.epochs).extracting(EpochReport::epoch).containsExactly(2, 3);
    assertThat(resumed.steps).extracting(StepReport::step)
        .containsExactlyElementsOf(straight.steps.stream().filter(s -> s.epoch() >= 2).map(StepReport::step).toList());
    assertThat(outcome.cleanAccuracy()).isCloseTo(expected.cleanAccuracy(), offset(0.01));
  }

  /** The checkpoints of a run cancelled at its first step after saving the checkpoint of {@code epoch}. */
  static ResumeTest.MemoryCheckpoints stoppedAfterEpoch(Experiment experiment, int epoch) {
    return ResumeTest.stoppedAfterEpoch(runner, experiment, epoch);
  }

  /** Each channel's mean at the mask (all ones), computed block by block. */
  private static double[] meanActivations(Trainer trainer, BatchLoader loader, int[] samples) {
    SequentialBlock net = (SequentialBlock) trainer.getModel().getBlock();
    List<Block> blocks = net.getChildren().values();
    ChannelMask.of(net).prune(new int[0]);
    ParameterStore parameters = new ParameterStore(trainer.getManager(), false);
    try (var batch = trainer.getManager().newSubManager()) {
      NDList x = new NDList(loader.images(batch, samples, 0, samples.length));
      for (int i = 0; i <= ChannelMask.indexIn(net); i++) {
        x = blocks.get(i).forward(parameters, x, false);
      }
      ai.djl.ndarray.NDArray stage = x.singletonOrThrow();
      float[] sums = stage.sum(new int[] {0, 2, 3}).toFloatArray();
      double perChannel = (double) stage.size() / sums.length;
      return IntStream.range(0, sums.length).mapToDouble(c -> sums[c] / perChannel).toArray();
    }
  }

  private static int[] order(double[] values) {
    return IntStream.range(0, values.length).boxed()
        .sorted(java.util.Comparator.<Integer>comparingDouble(c -> values[c]).thenComparingInt(c -> c))
        .mapToInt(Integer::intValue).toArray();
  }

  private static float[] logits(Trainer trainer, BatchLoader loader, int[] samples) {
    try (var batch = trainer.getManager().newSubManager()) {
      return trainer.evaluate(new NDList(loader.images(batch, samples, 0, samples.length)))
          .singletonOrThrow().toFloatArray();
    }
  }

  /** The channels fine-pruning masked, as checkpoint {@code state} keeps them. */
  private static int[] pruned(TrainingState state) {
    return FinePruningDefense.pruned(state.defenseState());
  }
}
