package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.ablserve.server.model.ModelArch;
import io.ablserve.server.model.Models;
import java.util.List;
import org.junit.jupiter.api.Test;

/** NAD's attention maps, its distillation term, and its frozen teacher, on tiny arrays and a small CNN. */
class AttentionDistillationTest {

  @Test
  void attention_isTheChannelMeanOfTheSquaredActivation_scaledToUnitNorm() {
    try (NDManager manager = NDManager.newBaseManager()) {
      // One sample, two channels of 1x2: channel means of squares (1+9)/2 = 5 and (4+0)/2 = 2.
      NDArray a = manager.create(new float[] {1, -2, 3, 0}, new Shape(1, 2, 1, 2));
      float[] map = AttentionDistillation.attention(a).toFloatArray();
      double norm = Math.sqrt(25 + 4);
      assertThat(map).containsExactly(new float[] {(float) (5 / norm), (float) (2 / norm)}, offset(1e-5f));
      // Zero activations stay zero rather than dividing by zero.
      assertThat(AttentionDistillation.attention(manager.zeros(new Shape(2, 3, 2, 2))).toFloatArray())
          .containsOnly(0f);
    }
  }

  @Test
  void distance_sumsEachSamplesL2DistanceOverTheLayers() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray s1 = manager.create(new float[] {1, 0, 0.6f, 0.8f}, new Shape(2, 2));
      NDArray t1 = manager.create(new float[] {0, 1, 0.6f, 0.8f}, new Shape(2, 2));
      NDArray s2 = manager.create(new float[] {1, 0, 0, 1, 0, 0}, new Shape(2, 3));
      NDArray t2 = manager.create(new float[] {0, 0, 1, 0, 1, 0}, new Shape(2, 3));
      float[] d = AttentionDistillation.distance(List.of(s1, s2), List.of(t1, t2)).toFloatArray();
      // Sample 0: sqrt(2) + sqrt(2); sample 1: 0 + sqrt(2).
      assertThat(d).containsExactly(
          new float[] {(float) (2 * Math.sqrt(2)), (float) Math.sqrt(2)}, offset(1e-5f));
    }
  }

  @Test
  void distillation_addsBetaTimesTheMeanDistance_movesTheStudent_andLeavesTheTeacherAlone() {
    Block block = Models.create(ModelArch.SMALL_CNN, 1, 28, 28, 10);
    try (Model model = Model.newInstance("nad", Device.cpu())) {
      model.setBlock(block);
      Optimizer sgd = Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f)).build();
      try (Trainer trainer =
              model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(sgd));
          NDManager batch = trainer.getManager().newSubManager()) {
        trainer.initialize(new Shape(1, 1, 28, 28));
        NDArray x = batch.randomNormal(new Shape(8, 1, 28, 28));
        NDArray y = batch.create(new float[] {0, 1, 2, 3, 4, 5, 6, 7});
        try (NetworkWeights teacher = NetworkWeights.copyOf(block, trainer.getManager())) {
          byte[] teacherBefore = teacher.encode();
          AttentionDistillation same = new AttentionDistillation(trainer, teacher, 1000, new Shape(1, 1, 28, 28));
          // The distilled layers: the first conv block's output (32 x 14 x 14) and the mask's (64 x 7 x 7).
          assertThat(same.layers()).containsExactly(3, 8);
          // A student equal to its teacher (training-mode BatchNorm apart) is near it.
          float alike = same.apply(x).get(1).getFloat();
          assertThat(alike).isGreaterThanOrEqualTo(0f);

          byte[] studentBefore = NetworkWeights.encode(block);
          for (int step = 0; step < 3; step++) {
            try (GradientCollector collector = trainer.newGradientCollector()) {
              NDList out = same.apply(x);
              collector.backward(Losses.crossEntropy(out.get(0), y).mean().add(out.get(1)));
            }
            trainer.step();
          }
          assertThat(teacher.encode()).as("teacher").isEqualTo(teacherBefore);
          assertThat(NetworkWeights.encode(block)).as("student").isNotEqualTo(studentBefore);

          // The term is beta times the batch's mean distance between the student's and teacher's maps.
          NDList out = withoutGradients(same, x);
          float term = out.get(1).getFloat();
          AttentionDistillation half = new AttentionDistillation(trainer, teacher, 500, new Shape(1, 1, 28, 28));
          assertThat(term).isPositive().isGreaterThan(alike);
          assertThat(withoutGradients(half, x).get(1).getFloat())
              .isCloseTo(term / 2, offset(term * 1e-3f));
        }
      }
    }
  }

  @Test
  void networkWeights_roundTripThroughTheirEncoding_andCopyIntoTheBlockInPlace() {
    Block block = Models.create(ModelArch.SMALL_CNN, 1, 28, 28, 10);
    try (Model model = Model.newInstance("weights", Device.cpu())) {
      model.setBlock(block);
      try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()))) {
        trainer.initialize(new Shape(1, 1, 28, 28));
        NDArray first = block.getParameters().get(0).getValue().getArray();
        float[] original = first.toFloatArray();
        byte[] encoded = NetworkWeights.encode(block);
        try (NetworkWeights saved = NetworkWeights.decode(block, encoded, trainer.getManager())) {
          Evaluator.withoutGradients(() -> first.muli(3));
          saved.copyInto(block);
        }
        assertThat(block.getParameters().get(0).getValue().getArray()).isSameAs(first);
        assertThat(first.toFloatArray()).containsExactly(original);
        assertThat(NetworkWeights.encode(block)).isEqualTo(encoded);

        Block other = Models.create(ModelArch.WRN_16_1, 1, 28, 28, 10);
        try (Model wrn = Model.newInstance("wrn", Device.cpu())) {
          wrn.setBlock(other);
          other.initialize(wrn.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, 1, 28, 28));
          assertThatThrownBy(() -> NetworkWeights.decode(other, encoded, trainer.getManager()))
              .isInstanceOf(IllegalArgumentException.class)
              .hasMessageContaining("do not fit");
        }
      }
    }
  }

  private static NDList withoutGradients(AttentionDistillation distillation, NDArray x) {
    NDList[] out = new NDList[1];
    Evaluator.withoutGradients(() -> out[0] = distillation.apply(x));
    return out[0];
  }
}
