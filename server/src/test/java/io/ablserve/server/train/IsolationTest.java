package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IsolationTest {
  @Test
  void isolate_ranksLowestLossFirst_andScoresAgainstGroundTruth() {
    float[] losses = {0.9f, 0.01f, 0.5f, 0.02f, 2.0f, 0.3f, 0.7f, 0.8f, 1.1f, 0.6f};
    boolean[] poisoned = {false, true, false, true, false, false, false, false, false, true};

    IsolationReport report = Isolation.isolate(losses, poisoned, 0.3, 4);

    assertThat(report.indices()).containsExactly(1, 3, 5);
    assertThat(report.losses()).containsExactly(0.01f, 0.02f, 0.3f);
    assertThat(report.poisoned()).containsExactly(true, true, false);
    assertThat(report.precision()).isEqualTo(2.0 / 3);
    assertThat(report.recall()).isEqualTo(2.0 / 3);
    assertThat(report.poisonedCount()).isEqualTo(3);
    assertThat(report.epoch()).isEqualTo(4);
  }

  @Test
  void isolatedCount_isTheRoundedRatio_atLeastOne() {
    assertThat(Isolation.isolatedCount(0.01, 60_000)).isEqualTo(600);
    assertThat(Isolation.isolatedCount(0.01, 6_050)).isEqualTo(61);
    assertThat(Isolation.isolatedCount(0.01, 10)).isEqualTo(1);
  }

  @Test
  void lowest_breaksTiesByIndex() {
    assertThat(Isolation.lowest(new float[] {0.5f, 0.1f, 0.1f, 0.1f}, 0.5)).containsExactly(1, 2);
  }

  @Test
  void complement_isEverythingElseInOrder() {
    assertThat(Isolation.complement(new int[] {4, 1}, 6)).containsExactly(0, 2, 3, 5);
  }

  @Test
  void perClassScores_divideByTheClassMedian_soAnEasyClassDoesNotFillTheIsolatedSet() {
    // Class 1 is easy (all losses 0.05-0.07); class 0 is hard but holds two suspiciously low samples.
    float[] losses = {1.0f, 0.08f, 1.2f, 0.09f, 0.9f, 0.05f, 0.06f, 0.07f, 0.05f, 0.06f};
    int[] labels = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};

    float[] scores = Isolation.scores(losses, labels, 2, Ranking.PER_CLASS);

    assertThat(Isolation.lowest(losses, 0.2)).containsExactly(5, 8); // global ranking: the easy class
    assertThat(Isolation.lowest(scores, 0.2)).containsExactly(1, 3); // per class: the outliers
    assertThat(Isolation.scores(losses, labels, 2, Ranking.GLOBAL)).isSameAs(losses);
  }

  @Test
  void dominantLabel_isTheLabelCarriedByAtLeastTheShare_orMinusOne() {
    int[] labels = {0, 1, 1, 2, 1, 0, 1};

    assertThat(Isolation.dominantLabel(new int[] {1, 2, 4, 3}, labels, 3, 0.6)).isEqualTo(1); // 3 of 4
    assertThat(Isolation.dominantLabel(new int[] {1, 2, 0, 3, 5}, labels, 3, 0.6)).isEqualTo(-1); // 2 of 5
    assertThat(Isolation.dominantLabel(new int[] {1, 2, 0, 5}, labels, 3, 0.5)).isEqualTo(0); // ties: first
    assertThat(Isolation.dominantLabel(new int[0], labels, 3, 0.6)).isEqualTo(-1);
  }
}
