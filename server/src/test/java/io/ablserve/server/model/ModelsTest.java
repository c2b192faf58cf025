package io.ablserve.server.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import org.junit.jupiter.api.Test;

class ModelsTest {
  @Test
  void smallCnn_runsForwardAndBackwardOnCpu() {
    try (Model model = Model.newInstance("test")) {
      model.setBlock(Models.create(ModelArch.SMALL_CNN, 1, 28, 28, 10));
      try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()))) {
        trainer.initialize(new Shape(1, 1, 28, 28));
        NDArray x = trainer.getManager().randomNormal(new Shape(4, 1, 28, 28));
        NDArray y = trainer.getManager().create(new float[] {0, 1, 2, 3});
        try (GradientCollector collector = trainer.newGradientCollector()) {
          NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
          assertThat(logits.getShape()).isEqualTo(new Shape(4, 10));
          NDArray loss = trainer.getLoss().evaluate(new NDList(y), new NDList(logits));
          collector.backward(loss);
        }
        float gradNorm =
            model.getBlock().getParameters().valueAt(0).getArray().getGradient().abs().sum().getFloat();
        assertThat(gradNorm).isGreaterThan(0);
      }
    }
  }
}
