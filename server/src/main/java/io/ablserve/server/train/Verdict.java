package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

/**
 * Whether a run found a backdoor, and on what evidence ({@link BackdoorCheck}): each label's candidate
 * cluster scores its separation from the rest of the label times its loss gap times the diversity of its
 * runner-up classes, and a backdoor is confirmed when the strongest label's evidence reaches {@code threshold}. Without a
 * confirmed backdoor ABL ascends on nothing and trains plainly.
 *
 * @param tested whether the check ran (false for plain training and for the recipes without it)
 * @param confirmed whether a backdoor was confirmed
 * @param label the confirmed (or, unconfirmed, the strongest) label; -1 when no label had a candidate
 * @param evidence that label's evidence; NaN when no label had a candidate
 * @param threshold the evidence that confirms
 * @param ascendedCount samples that stand clearly in the trigger's cluster: ascended (D_b)
 * @param suspectCount suspects left out of training: the cluster's members that do not stand clearly apart,
 *     and the label's other samples whose loss looks like the cluster's
 * @param classEvidence each label's evidence, NaN where the label had no candidate cluster
 */
public record Verdict(
    boolean tested,
    boolean confirmed,
    int label,
    double evidence,
    double threshold,
    int ascendedCount,
    int suspectCount,
    double[] classEvidence) {
  /** No check ran. */
  public static final Verdict NOT_TESTED =
      new Verdict(false, false, -1, Double.NaN, Double.NaN, 0, 0, new double[0]);

  public Verdict {
    requireNonNull(classEvidence, "classEvidence");
  }

  /** How far the deciding evidence lies from the threshold, in its units; non-negative when confirmed. */
  public double margin() {
    return evidence - threshold;
  }
}
