package io.ablserve.server.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelsTest {
  @Test
  void smallCnn_runsForwardAndBackwardOnCpu() {
    assertForwardAndBackward(ModelArch.SMALL_CNN, 4, 1, 28, 10);
  }

  @ParameterizedTest(name = "{0} on {1}x{2}x{2}")
  @CsvSource({
    "WRN_16_1, 3, 32", "WRN_16_1, 1, 28", "RESNET_18, 3, 32", "RESNET_18, 1, 28", "RESNET_34, 3, 32"
  })
  void residualNets_runForwardAndBackwardOnCpu(ModelArch arch, int channels, int side) {
    assertForwardAndBackward(arch, 2, channels, side, 10);
  }

  /** Published counts of the PyTorch references: trainable weights only, BN affine included. */
  @ParameterizedTest(name = "{0} has {1} trainable parameters")
  @CsvSource({"WRN_16_1, 175066", "RESNET_18, 11173962", "RESNET_34, 21282122"})
  void parameterCount_matchesPyTorchReference(ModelArch arch, long expected) {
    Block block = Models.create(arch, 3, 32, 32, 10);
    try (NDManager manager = NDManager.newBaseManager()) {
      block.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
      // DJL keeps BatchNorm running mean/variance as parameters; PyTorch counts them as buffers.
      long trainable = block.getParameters().values().stream()
          .filter(Parameter::requiresGradient)
          .mapToLong(p -> p.getArray().size())
          .sum();
      assertThat(trainable).isEqualTo(expected);
    }
  }

  @Test
  void wideResNet_rejectsDepthNotOfForm6nPlus4() {
    assertThatThrownBy(() -> WideResNet.create(ModelArch.WRN_16_1, 15, 1, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("6n + 4");
  }

  private static void assertForwardAndBackward(
      ModelArch arch, int batch, int channels, int side, int classes) {
    try (Model model = Model.newInstance("test")) {
      model.setBlock(Models.create(arch, channels, side, side, classes));
      try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()))) {
        trainer.initialize(new Shape(1, channels, side, side));
        NDManager manager = trainer.getManager();
        NDArray x = manager.randomNormal(new Shape(batch, channels, side, side));
        NDArray y = manager.arange(batch).toType(DataType.FLOAT32, false);
        try (GradientCollector collector = trainer.newGradientCollector()) {
          NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
          assertThat(logits.getShape()).isEqualTo(new Shape(batch, classes));
          collector.backward(trainer.getLoss().evaluate(new NDList(y), new NDList(logits)));
        }
        Parameter firstConv = model.getBlock().getParameters().valueAt(0);
        assertThat(firstConv.getArray().getShape().dimension()).as("first conv's weight").isEqualTo(4);
        assertThat(firstConv.getArray().getShape().get(1)).isEqualTo(channels);
        float gradNorm = firstConv.getArray().getGradient().abs().sum().getFloat();
        assertThat(gradNorm).isGreaterThan(0);
      }
    }
  }
}
