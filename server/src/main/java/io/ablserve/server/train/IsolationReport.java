package io.ablserve.server.train;

/**
 * The isolated set chosen at the turning epoch, lowest loss first, with the poisoning ground truth and the
 * backdoor check's verdict ({@link Verdict#NOT_TESTED} without the check).
 */
public record IsolationReport(
    int epoch,
    int[] indices,
    float[] losses,
    boolean[] poisoned,
    double precision,
    double recall,
    int trainSize,
    int poisonedCount,
    Verdict verdict) {

  /** This ranking with the backdoor check's verdict on it. */
  IsolationReport withVerdict(Verdict verdict) {
    return new IsolationReport(
        epoch, indices, losses, poisoned, precision, recall, trainSize, poisonedCount, verdict);
  }
}
