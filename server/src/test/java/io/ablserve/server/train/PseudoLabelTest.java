package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which suspects train under the model's labels ({@link SuspectTreatment#PSEUDO_LABEL}), and under what. */
class PseudoLabelTest {
  @Test
  void confidentSuspects_trainUnderThePredictedLabel_theRestSitOut() {
    int[] labels = {3, 3, 1, 3, 0, 3};
    int[] unlabelled = {0, 3, 5}; // three suspects of label 3
    int[] predicted = {3, -1, 7}; // kept its label; unsure; another class

    AblDefense.PseudoLabelled pseudo = AblDefense.pseudoLabelled(labels, unlabelled, predicted);

    assertThat(pseudo.samples()).containsExactly(0, 5);
    assertThat(pseudo.labels()).containsExactly(3, 3, 1, 3, 0, 7);
    assertThat(labels).containsExactly(3, 3, 1, 3, 0, 3); // the set's own labels are untouched
  }

  @Test
  void noneConfident_trainsNone() {
    AblDefense.PseudoLabelled pseudo =
        AblDefense.pseudoLabelled(new int[] {2, 2}, new int[] {0, 1}, new int[] {-1, -1});

    assertThat(pseudo.samples()).isEmpty();
    assertThat(pseudo.labels()).containsExactly(2, 2);
  }
}
