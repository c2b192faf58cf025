package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class IsolationSignalsTest {
  private static final int PER_LABEL = 200;
  private static final int PLANTED = 20;

  /** Three labels of Gaussian activations; label 1's first {@link #PLANTED} share one extra direction. */
  private static float[][] activations(int[] labels, double offset) {
    Random random = new Random(7);
    float[][] rows = new float[labels.length][16];
    for (int i = 0; i < labels.length; i++) {
      for (int k = 0; k < 16; k++) {
        rows[i][k] = (float) (random.nextGaussian() + (k == labels[i] ? 4 : 0));
      }
      if (labels[i] == 1 && i % PER_LABEL < PLANTED) {
        rows[i][9] += (float) offset;
        rows[i][10] -= (float) offset;
      }
    }
    return rows;
  }

  private static int[] labels() {
    return IntStream.range(0, 3 * PER_LABEL).map(i -> i / PER_LABEL).toArray();
  }

  private static int[] planted() {
    return IntStream.range(PER_LABEL, PER_LABEL + PLANTED).toArray();
  }

  private static int[] lowest(float[] scores, int k) {
    return Isolation.sorted(Isolation.lowest(scores, (double) k / scores.length));
  }

  @Test
  void spectral_ranksTheSamplesOfAHiddenDirectionFirst() {
    int[] labels = labels();
    float[][] rows = activations(labels, 6);
    float[] scores = IsolationSignals.perLabel(IsolationSignals.spectral(rows, labels, 3), labels, 3);

    assertThat(lowest(scores, PLANTED)).containsExactly(planted());
  }

  @Test
  void spectral_findsNothingApartWithoutAHiddenDirection() {
    int[] labels = labels();
    float[] scores =
        IsolationSignals.perLabel(IsolationSignals.spectral(activations(labels, 0), labels, 3), labels, 3);

    assertThat(Arrays.stream(lowest(scores, PLANTED)).filter(i -> i >= PER_LABEL && i < PER_LABEL + PLANTED))
        .hasSizeLessThan(PLANTED / 2);
  }

  @Test
  void transformSensitivity_isTheRelativeMoveUnderTheTransforms() {
    float[][] plain = {{3, 4}, {3, 4}, {1, 0}};
    float[][] flipped = {{3, 4}, {0, 0}, {1, 0}};
    float[][] shifted = {{3, 4}, {3, 4}, {0, 1}};

    float[] s = IsolationSignals.transformSensitivity(plain, List.of(flipped, shifted));

    // (0 + 25/25) / 2 and (2/1 + 0) / 2.
    assertThat(s[0]).isZero();
    assertThat(s[1]).isCloseTo(0.5f, org.assertj.core.data.Offset.offset(1e-6f));
    assertThat(s[2]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-6f));
    // One label: the lower quartile is sample 0's 0, floored; samples 1 and 2 stand far above it.
    assertThat(lowest(IsolationSignals.perLabel(s, new int[] {0, 0, 0}, 1, 0.25), 1)).containsExactly(2);
  }

  @Test
  void perLabel_atTheLowerQuartile_keepsACleanReferenceWhenPoisonsAreHalfTheLabel() {
    // Label 0: 10 clean at 1 and 10 poisons at 4; label 1: 20 clean at 2 (a label that moves more overall).
    float[] s = new float[40];
    int[] labels = new int[40];
    for (int i = 0; i < 40; i++) {
      labels[i] = i < 20 ? 0 : 1;
      s[i] = i < 10 ? 1 : i < 20 ? 4 : 2;
    }

    assertThat(lowest(IsolationSignals.perLabel(s, labels, 2, 0.25), 10))
        .containsExactly(IntStream.range(10, 20).toArray());
    // Over the median (4, a poison's), the poisons score 1, level with every clean sample of label 1.
    assertThat(IsolationSignals.perLabel(s, labels, 2, 0.5)[15]).isEqualTo(-1f);
    assertThat(IsolationSignals.perLabel(s, labels, 2, 0.5)[25]).isEqualTo(-1f);
  }

  @Test
  void flipAndShift_moveAPatchOffItsCorner() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray x = manager.arange(16f).reshape(new Shape(1, 1, 2, 8));

      assertThat(IsolationSignals.flip(x).toFloatArray())
          .containsExactly(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
      assertThat(IsolationSignals.shift(x).toFloatArray())
          .containsExactly(7, 0, 1, 2, 3, 4, 5, 6, 15, 8, 9, 10, 11, 12, 13, 14);
    }
  }

  @Test
  void combined_averagesTheRankPercentiles() {
    float[] a = {0, 1, 2, 3};
    float[] b = {3, 0, 1, 2};

    float[] c = IsolationSignals.combined(List.of(a, b));

    // Ranks 0/1/2/3 and 3/0/1/2, over 4 samples, averaged.
    assertThat(c).containsExactly(3f / 8, 1f / 8, 3f / 8, 5f / 8);
  }

  @Test
  void theLossCurve_sumsEpochsSkippingUntrainedSamples_andAveragesThem() {
    byte[] first = IsolationSignals.addLosses(new byte[0], new float[] {2, 4, Float.NaN});
    byte[] sums = IsolationSignals.addLosses(first, new float[] {1, Float.NaN, 3});

    assertThat(IsolationSignals.meanLosses(sums, 3, 2)).containsExactly(1.5f, 2f, 1.5f);
    assertThatThrownBy(() -> IsolationSignals.meanLosses(sums, 4, 2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("3 samples");
  }

  @Test
  void scores_lossDropNeedsTheLossCurve_andLossIsTheRanking() {
    int[] labels = {0, 0, 1, 1};
    float[] losses = {1, 2, 4, 8};
    IsolationSignals withoutCurve =
        new IsolationSignals(losses, null, labels, 2, Ranking.GLOBAL, t -> new float[0][]);

    assertThat(withoutCurve.scores(IsolationSignal.LOSS)).containsExactly(losses);
    assertThatThrownBy(() -> withoutCurve.scores(IsolationSignal.LOSS_DROP))
        .isInstanceOf(IllegalStateException.class);
    IsolationSignals withCurve =
        new IsolationSignals(losses, new float[] {3, 1, 1, 2}, labels, 2, Ranking.PER_CLASS, t -> new float[0][]);
    // Each mean training loss over its label's median (3 and 2, the upper middle of two).
    assertThat(withCurve.scores(IsolationSignal.LOSS_DROP)).containsExactly(1f, 1f / 3, 0.5f, 1f);
  }
}
