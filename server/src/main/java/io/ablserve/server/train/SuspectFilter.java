package io.ablserve.server.train;

import java.util.stream.IntStream;

/**
 * Finds the poisons that isolation missed, once unlearning has broken the trigger. All-to-one poisons
 * carry the target label, which is over-represented in D_b; after the first GGA epoch the model predicts
 * their true content, so their loss on the target label jumps above 1 nat while clean
 * samples of that class stay low. Left in D_c they would teach the backdoor again (measured on
 * Fashion-MNIST BadNets: ASR 0% after the first GGA epoch, 27.5% one epoch later without the filter).
 */
final class SuspectFilter {
  /**
   * A suspect's loss on its label exceeds 1 nat: the model gives the label less than e^-1 = 37%. Measured
   * on Fashion-MNIST BadNets (20k samples, 6 epochs): ln(10) = 2.3 removed 46% of the missed poisons and
   * left ASR at 14%; 1.0 removed 97% (precision 76%), ASR 0.07%, CA 79.1%; 0.5 gave ASR 1.2%, CA 80.7%.
   */
  static final float LOSS_THRESHOLD = 1.0f;

  private SuspectFilter() {}

  /**
   * Labels whose share of the isolated set is at least twice their share of the training set, with at
   * least two isolated samples.
   */
  static boolean[] suspectLabels(int[] isolated, int[] labels, int numClasses) {
    int[] inIsolated = new int[numClasses];
    int[] overall = new int[numClasses];
    for (int i : isolated) {
      inIsolated[labels[i]]++;
    }
    for (int label : labels) {
      overall[label]++;
    }
    boolean[] out = new boolean[numClasses];
    for (int c = 0; c < numClasses; c++) {
      double isolatedShare = (double) inIsolated[c] / isolated.length;
      double share = (double) overall[c] / labels.length;
      out[c] = inIsolated[c] >= 2 && isolatedShare >= 2 * share;
    }
    return out;
  }

  /** The members of {@code kept} whose label is suspect: the only ones whose loss must be measured. */
  static int[] candidates(int[] kept, int[] labels, boolean[] suspectLabels) {
    return IntStream.of(kept).filter(i -> suspectLabels[labels[i]]).toArray();
  }

  /** A mask over all {@code n} samples: the candidates whose loss exceeds {@code threshold}. */
  static boolean[] removed(int[] candidates, float[] candidateLosses, float threshold, int n) {
    boolean[] out = new boolean[n];
    for (int j = 0; j < candidates.length; j++) {
      out[candidates[j]] = candidateLosses[j] > threshold;
    }
    return out;
  }
}
