package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.engine.Engine;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LossesTest {
  NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  static AblConfig config(IsolationLossKind kind, LossReduction reduction) {
    return AblConfig.builder().isolationLoss(kind).floodingLevel(0.4).lossReduction(reduction).build();
  }

  @Test
  void crossEntropy_matchesHandComputedPerSampleValues() {
    NDArray logits = manager.create(new float[] {2f, 0f, 0f, 0f, 0f, 3f}, new Shape(2, 3));
    NDArray labels = manager.create(new long[] {0, 1});

    float[] ce = Losses.crossEntropy(logits, labels).toFloatArray();

    // -log(e^2 / (e^2 + 2)) and -log(1 / (2 + e^3))
    assertThat(ce[0]).isCloseTo((float) -Math.log(Math.exp(2) / (Math.exp(2) + 2)), within(1e-5f));
    assertThat(ce[1]).isCloseTo((float) Math.log(2 + Math.exp(3)), within(1e-5f));
  }

  @Test
  void lgaPerSample_flipsTheSignOfSamplesBelowGamma() {
    NDArray ce = manager.create(new float[] {0.1f, 2.0f});

    float value = Losses.isolationObjective(ce, config(IsolationLossKind.LGA, LossReduction.PER_SAMPLE)).getFloat();

    assertThat(value).isCloseTo((-0.1f + 2.0f) / 2, within(1e-6f));
    assertThat(gradient(ce, IsolationLossKind.LGA, LossReduction.PER_SAMPLE)).containsExactly(-0.5f, 0.5f);
  }

  @Test
  void lgaBatchMean_ascendsTheWholeBatchWhenTheMeanIsBelowGamma() {
    NDArray ce = manager.create(new float[] {0.1f, 0.3f});

    float value = Losses.isolationObjective(ce, config(IsolationLossKind.LGA, LossReduction.BATCH_MEAN)).getFloat();

    assertThat(value).isCloseTo(-0.2f, within(1e-6f));
    assertThat(gradient(ce, IsolationLossKind.LGA, LossReduction.BATCH_MEAN)).containsExactly(-0.5f, -0.5f);
  }

  @Test
  void floodingPerSample_isAbsDistanceToTheFloodLevelPlusLevel() {
    NDArray ce = manager.create(new float[] {0.1f, 1.0f});

    float value = Losses.isolationObjective(ce, config(IsolationLossKind.FLOODING, LossReduction.PER_SAMPLE)).getFloat();

    assertThat(value).isCloseTo(((0.3f + 0.4f) + (0.6f + 0.4f)) / 2, within(1e-6f));
    assertThat(gradient(ce, IsolationLossKind.FLOODING, LossReduction.PER_SAMPLE)).containsExactly(-0.5f, 0.5f);
  }

  private float[] gradient(NDArray ce, IsolationLossKind kind, LossReduction reduction) {
    NDArray leaf = ce.duplicate();
    leaf.setRequiresGradient(true);
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      collector.backward(Losses.isolationObjective(leaf, config(kind, reduction)));
    }
    return leaf.getGradient().toFloatArray();
  }

  @Test
  void ggaAscentWeight_isFullForAFewIsolatedSamples_andFallsWithTheirShareToAFloor() {
    // The paper's 1% isolation: 1-2 D_b samples beside a batch of 128 keep the full weight.
    assertThat(Objective.ascentWeight(2.0, 128, 2)).isEqualTo(2.0);
    assertThat(Objective.ascentWeight(1.0, 128, 4)).isEqualTo(1.0);
    assertThat(Objective.ascentWeight(1.0, 128, 8)).isCloseTo(0.5, within(1e-12));
    assertThat(Objective.ascentWeight(1.0, 64, 4)).isCloseTo(0.5, within(1e-12));
    assertThat(Objective.ascentWeight(1.0, 128, 100)).isEqualTo(Objective.MIN_WEIGHT_FRACTION);
  }

  @Test
  void gga_descendsTheCleanMean_andAscendsTheCappedIsolatedMeanAtItsWeight() {
    // 128 clean samples at loss 1 and 8 isolated ones, half above the cap ln(10): weight 0.5.
    float[] losses = new float[136];
    Arrays.fill(losses, 0, 128, 1f);
    Arrays.fill(losses, 128, 132, 0.5f);
    Arrays.fill(losses, 132, 136, 5f);
    NDArray ce = manager.create(losses);

    float value = Objective.GGA.apply(ce, 128, 8, AblConfig.DEFAULTS, 10).getFloat();

    double isolatedMean = (4 * 0.5 + 4 * Math.log(10)) / 8;
    assertThat((double) value).isCloseTo(1 - 0.5 * isolatedMean, within(1e-5));
  }
}
