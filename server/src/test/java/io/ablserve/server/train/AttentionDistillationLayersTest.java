package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.ablserve.server.model.ChannelMask;
import io.ablserve.server.model.ModelArch;
import io.ablserve.server.model.Models;
import io.ablserve.server.model.TappedNetwork;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * NAD's distilled layers by name: the defaults are the layers it found by shape before, its steps are those
 * of its former block-index walk to the bit, and other layers are the ones distilled.
 */
class AttentionDistillationLayersTest {
  private static final Shape INPUT = new Shape(1, 1, 28, 28);

  @ParameterizedTest(name = "{0} on {1}x{2}x{2}")
  @CsvSource({
    "SMALL_CNN, 1, 28", "SMALL_CNN, 3, 32", "WRN_16_1, 1, 28", "WRN_16_1, 3, 32", "RESNET_18, 3, 32",
    "RESNET_34, 3, 32", "RESNET_18, 1, 28"
  })
  void defaultLayers_areTheBlocksTheFormerShapeGuessFound(ModelArch arch, int channels, int side) {
    TappedNetwork network = TappedNetwork.of(Models.create(arch, channels, side, side, 10));
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      Shape input = new Shape(1, channels, side, side);
      network.initialize(manager, DataType.FLOAT32, input);
      int[] named =
          FineTuning.defaultDistilledLayers(arch).stream().mapToInt(network::indexOf).sorted().toArray();
      assertThat(named).containsExactly(formerGuess(network, input));
    }
  }

  /**
   * What NAD distilled before its layers had names: the mask's index and the last block before it whose
   * output differs from the mask's in both width and size.
   */
  private static int[] formerGuess(Block network, Shape input) {
    List<Block> blocks = network.getChildren().values();
    int mask = ChannelMask.indexIn(network);
    Shape[] shapes = new Shape[mask + 1];
    Shape[] current = {input};
    for (int i = 0; i <= mask; i++) {
      current = blocks.get(i).getOutputShapes(current);
      shapes[i] = current[0];
    }
    Shape last = shapes[mask];
    for (int i = mask - 1; i >= 0; i--) {
      Shape s = shapes[i];
      if (s.dimension() == 4 && s.get(1) != last.get(1) && s.get(2) != last.get(2)) {
        return new int[] {i, mask};
      }
    }
    return new int[] {mask};
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ModelArch.class)
  void distillationSteps_areThoseOfTheFormerBlockIndexWalk_toTheBit(ModelArch arch) {
    int channels = arch == ModelArch.SMALL_CNN ? 1 : 3;
    Shape input = new Shape(1, channels, 16, 16);
    Block block = Models.create(arch, channels, 16, 16, 10);
    try (Model model = Model.newInstance("nad-walk", Device.cpu())) {
      model.setBlock(block);
      Optimizer sgd = Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f)).build();
      try (Trainer trainer =
              model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(sgd));
          NDManager batch = trainer.getManager().newSubManager()) {
        batch.getEngine().setRandomSeed(1);
        trainer.initialize(input);
        NDArray x = batch.randomNormal(new Shape(4, channels, 16, 16));
        NDArray y = batch.create(new float[] {0, 1, 2, 3});
        byte[] start = NetworkWeights.encode(block);
        try (NetworkWeights teacher = NetworkWeights.copyOf(block, trainer.getManager())) {
          AttentionDistillation named = new AttentionDistillation(trainer, teacher, 10, input);
          float[] namedTerms = steps(trainer, named::apply, y, x);
          byte[] afterNamed = NetworkWeights.encode(block);
          try (NetworkWeights initial = NetworkWeights.decode(block, start, trainer.getManager())) {
            initial.copyInto(block);
          }
          FormerWalk former = new FormerWalk(trainer, teacher, named.layers());
          float[] formerTerms = steps(trainer, former::apply, y, x);
          assertThat(namedTerms).containsExactly(formerTerms);
          // Gradients from a layer's several readers (ResNet's stage3 feeds both paths of the next block)
          // sum in the same order only if each map is taken as the pass reaches its layer.
          assertThat(afterNamed).isEqualTo(NetworkWeights.encode(block));
        }
      }
    }
  }

  /** Three SGD steps of cross-entropy plus the distillation term; the terms, one a step. */
  private static float[] steps(
      Trainer trainer, java.util.function.Function<NDArray, NDList> forward, NDArray y, NDArray x) {
    float[] terms = new float[3];
    for (int step = 0; step < terms.length; step++) {
      try (GradientCollector collector = trainer.newGradientCollector()) {
        NDList out = forward.apply(x);
        terms[step] = out.get(1).getFloat();
        collector.backward(Losses.crossEntropy(out.get(0), y).mean().add(out.get(1)));
      }
      trainer.step();
    }
    return terms;
  }

  /** NAD's step as it was before the layers had names: a walk over the top-level blocks by index. */
  private static final class FormerWalk {
    private final List<Block> blocks;
    private final int[] layers;
    private final ParameterStore student;
    private final ParameterStore teacher;

    FormerWalk(Trainer trainer, NetworkWeights teacher, int[] layers) {
      this.blocks = trainer.getModel().getBlock().getChildren().values();
      this.layers = layers;
      this.student = new ParameterStore(trainer.getManager(), false);
      this.teacher =
          new ParameterStore(trainer.getManager(), false) {
            @Override
            public NDArray getValue(Parameter parameter, Device device, boolean training) {
              return parameter == null ? null : teacher.get(parameter);
            }
          };
    }

    NDList apply(NDArray x) {
      List<NDArray> teacherMaps = new ArrayList<>();
      int deepest = layers[layers.length - 1];
      Evaluator.withoutGradients(
          () -> {
            NDList h = new NDList(x);
            for (int i = 0; i <= deepest; i++) {
              h = blocks.get(i).forward(teacher, h, false);
              if (Arrays.binarySearch(layers, i) >= 0) {
                teacherMaps.add(AttentionDistillation.attention(h.singletonOrThrow()));
              }
            }
          });
      List<NDArray> studentMaps = new ArrayList<>();
      NDList h = new NDList(x);
      for (int i = 0; i < blocks.size(); i++) {
        h = blocks.get(i).forward(student, h, true);
        if (Arrays.binarySearch(layers, i) >= 0) {
          studentMaps.add(AttentionDistillation.attention(h.singletonOrThrow()));
        }
      }
      return new NDList(
          h.singletonOrThrow(), AttentionDistillation.distance(studentMaps, teacherMaps).mean().mul(10f));
    }
  }

  @Test
  void theDefaultLayersNamed_inAnyOrder_giveTheLossOfTheDefault_toTheBit() {
    withDistillation(
        (trainer, teacher, x) -> {
          NDList byDefault = term(new AttentionDistillation(trainer, teacher, 10, INPUT), x);
          for (List<String> layers :
              List.of(List.of("conv1", "last_conv_stage"), List.of("last_conv_stage", "conv1"))) {
            AttentionDistillation named = new AttentionDistillation(trainer, teacher, 10, layers, INPUT);
            assertThat(named.layers()).containsExactly(3, 8);
            NDList out = term(named, x);
            assertThat(out.get(1).getFloat()).as("%s", layers).isEqualTo(byDefault.get(1).getFloat());
            assertThat(out.get(0).toFloatArray()).containsExactly(byDefault.get(0).toFloatArray());
          }
        });
  }

  @Test
  void otherLayers_areTheOnesDistilled() {
    withDistillation(
        (trainer, teacher, x) -> {
          AttentionDistillation conv2 = new AttentionDistillation(trainer, teacher, 10, List.of("conv2"), INPUT);
          assertThat(conv2.layers()).containsExactly(7);
          float one = term(conv2, x).get(1).getFloat();
          assertThat(one).isPositive();
          // The unpruned mask passes conv2's output through: the same map, so the same distance, once per layer.
          float mask =
              term(new AttentionDistillation(trainer, teacher, 10, List.of("last_conv_stage"), INPUT), x)
                  .get(1).getFloat();
          assertThat(mask).isEqualTo(one);
          float both =
              term(new AttentionDistillation(trainer, teacher, 10, List.of("conv2", "last_conv_stage"), INPUT), x)
                  .get(1).getFloat();
          assertThat(both).isCloseTo(2 * one, offset(one * 1e-6f));
          float conv1 =
              term(new AttentionDistillation(trainer, teacher, 10, List.of("conv1"), INPUT), x).get(1).getFloat();
          assertThat(conv1).isNotEqualTo(one);
          float byDefault = term(new AttentionDistillation(trainer, teacher, 10, INPUT), x).get(1).getFloat();
          assertThat(byDefault).isCloseTo(conv1 + one, offset(one * 1e-5f));
        });
  }

  @Test
  void layersWithoutASpatialMap_orThatTheNetworkLacks_areRefused() {
    withDistillation(
        (trainer, teacher, x) -> {
          assertThatThrownBy(() -> new AttentionDistillation(trainer, teacher, 10, List.of("group2"), INPUT))
              .isInstanceOf(IllegalArgumentException.class)
              .hasMessageContaining("SMALL_CNN has no tap 'group2'; its taps are conv1, conv2, last_conv_stage,");
          assertThatThrownBy(() -> new AttentionDistillation(trainer, teacher, 10, List.of("penultimate"), INPUT))
              .isInstanceOf(IllegalArgumentException.class)
              .hasMessage("attention distillation compares NCHW activations; SMALL_CNN's 'penultimate' is (1, 128)");
        });
  }

  @Test
  void forArch_fillsInTheArchitecturesDefaults_andRefusesOtherNames() {
    assertThat(FineTuning.DEFAULTS.forArch(ModelArch.WRN_16_1).distilledLayers())
        .containsExactly("group2", "last_conv_stage");
    assertThat(FineTuning.DEFAULTS.forArch(ModelArch.RESNET_34).distilledLayers())
        .containsExactly("stage3", "last_conv_stage");
    FineTuning given = withLayers(List.of("stage1"));
    assertThat(given.forArch(ModelArch.RESNET_18)).isSameAs(given);
    assertThatThrownBy(() -> given.forArch(ModelArch.SMALL_CNN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "nad.layers must name convolutional taps of SMALL_CNN, one of conv1, conv2, last_conv_stage (its"
                + " taps are conv1, conv2, last_conv_stage, penultimate, logits), got 'stage1'");
    assertThatThrownBy(() -> withLayers(List.of("penultimate")).forArch(ModelArch.SMALL_CNN))
        .hasMessageContaining("got 'penultimate'");
    assertThatThrownBy(() -> withLayers(List.of("conv1", "conv1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("nad.layers must name each layer once, got [conv1, conv1]");
  }

  private static FineTuning withLayers(List<String> layers) {
    FineTuning d = FineTuning.DEFAULTS;
    return new FineTuning(
        d.epochs(), d.learningRate(), d.maxAccuracyDrop(), d.maxPruneRatio(), d.teacherEpochs(),
        d.distillationWeight(), d.curveEpochs(), d.curvePoint(), layers);
  }

  @FunctionalInterface
  private interface DistillationCase {
    void run(Trainer trainer, NetworkWeights teacher, NDArray x);
  }

  /**
   * {@code check} on a small CNN whose trained weights are nudged away from its teacher's, and a batch of 8:
   * the student's training-mode passes use the batch's statistics, so every pass gives the same maps.
   */
  private static void withDistillation(DistillationCase check) {
    Block block = Models.create(ModelArch.SMALL_CNN, 1, 28, 28, 10);
    try (Model model = Model.newInstance("nad-layers", Device.cpu())) {
      model.setBlock(block);
      try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()));
          NDManager batch = trainer.getManager().newSubManager()) {
        trainer.initialize(INPUT);
        batch.getEngine().setRandomSeed(11);
        NDArray x = batch.randomNormal(new Shape(8, 1, 28, 28));
        try (NetworkWeights teacher = NetworkWeights.copyOf(block, trainer.getManager())) {
          Consumer<NDArray> nudge = p -> p.addi(p.getManager().randomNormal(p.getShape()).mul(0.05f));
          Evaluator.withoutGradients(
              () -> block.getParameters().values().stream().filter(Parameter::requiresGradient)
                  .forEach(p -> nudge.accept(p.getArray())));
          check.run(trainer, teacher, x);
        }
      }
    }
  }

  private static NDList term(AttentionDistillation distillation, NDArray x) {
    NDList[] out = new NDList[1];
    Evaluator.withoutGradients(() -> out[0] = distillation.apply(x));
    return out[0];
  }
}
