package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One run of the {@link BackdoorCheck} with the measures it decided on: every label's candidate cluster and
 * the verdict. Reported at the turning epoch, and for each early turn the check was asked to confirm.
 *
 * @param epoch the turning epoch the check ran for
 * @param labels the labels with a candidate cluster, by label
 */
public record BackdoorCheckReport(int epoch, List<LabelEvidence> labels, Verdict verdict, ProbeReport probe) {

  public BackdoorCheckReport {
    labels = List.copyOf(labels);
    requireNonNull(verdict, "verdict");
    requireNonNull(probe, "probe");
  }

  /** One label's candidate cluster: sizes, and the three measures whose product is its evidence. */
  public record LabelEvidence(
      int label,
      int clusterSize,
      int labelSize,
      double separation,
      double lossGap,
      double diversity,
      double restDiversity,
      double evidence) {}

  static BackdoorCheckReport of(
      int epoch, List<BackdoorCheck.Candidate> candidates, Verdict verdict, ProbeReport probe) {
    return new BackdoorCheckReport(
        epoch,
        candidates.stream()
            .map(c -> new LabelEvidence(
                c.label(), c.cluster().length, c.members().length, c.separation(), c.lossGap(), c.diversity(),
                c.restDiversity(), c.evidence()))
            .toList(),
        verdict,
        probe);
  }
}
