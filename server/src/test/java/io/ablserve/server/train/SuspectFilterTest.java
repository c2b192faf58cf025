package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SuspectFilterTest {
  @Test
  void suspectLabels_areThoseOverRepresentedInTheIsolatedSet() {
    // 20 samples: labels 0..3 five times each (25% each); isolated: four 0s and one 2.
    int[] labels = new int[20];
    for (int i = 0; i < 20; i++) {
      labels[i] = i % 4;
    }
    int[] isolated = {0, 4, 8, 12, 2};

    boolean[] suspect = SuspectFilter.suspectLabels(isolated, labels, 4);

    // label 0: 80% of D_b vs 25% overall -> suspect; label 2: 20% and a single sample -> not.
    assertThat(suspect).containsExactly(true, false, false, false);
    assertThat(SuspectFilter.candidates(new int[] {1, 2, 16, 17}, labels, suspect)).containsExactly(16);
  }

  @Test
  void removed_marksOnlyCandidatesAboveTheThreshold() {
    boolean[] removed = SuspectFilter.removed(new int[] {3, 5, 7}, new float[] {2.4f, 0.1f, 2.3f}, 2.3f, 8);

    assertThat(removed).containsExactly(false, false, false, true, false, false, false, false);
  }
}
