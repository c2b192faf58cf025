package io.ablserve.client.cli;

import io.ablserve.v1.BackdoorCheckResult;
import io.ablserve.v1.LabelEvidence;
import java.util.Locale;

/** A backdoor check's measures as the CLI prints them: one line per label with a candidate, then the verdict. */
final class CheckLines {
  private CheckLines() {}

  static String render(BackdoorCheckResult check, int targetLabel) {
    StringBuilder out = new StringBuilder()
        .append("backdoor check for turning epoch ").append(check.getEpoch()).append(':');
    for (LabelEvidence l : check.getLabelsList()) {
      out.append(String.format(Locale.ROOT,
          "%n  label %d%s: cluster of %d of %d, separation %.2f, loss gap %.2f nats, runner-up diversity"
              + " %.3f (rest %.3f), evidence %.2f",
          l.getLabel(), l.getLabel() == targetLabel ? " (target)" : "", l.getClusterSize(), l.getLabelSize(),
          l.getSeparation(), l.getLossGapNats(), l.getRunnerUpDiversity(), l.getRestRunnerUpDiversity(),
          l.getEvidence()));
    }
    return out.append(String.format("%n  ")).append(ReportFormat.verdictLine(check.getVerdict(), targetLabel))
        .toString();
  }
}
