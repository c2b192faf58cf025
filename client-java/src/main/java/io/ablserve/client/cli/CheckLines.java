package io.ablserve.client.cli;

import io.ablserve.v1.BackdoorCheckResult;
import io.ablserve.v1.LabelEvidence;
import io.ablserve.v1.TriggerProbeResult;
import java.util.Locale;

/**
 * A backdoor check's measures as the CLI prints them: one line per label with a candidate, the trigger probe's
 * figures where it ran, then the verdict.
 */
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
    if (check.hasProbe()) {
      TriggerProbeResult p = check.getProbe();
      out.append(String.format(Locale.ROOT,
          "%n  trigger probe: %s, %.1f%% of the held-back confirmed set above the threshold (other labels"
              + " %.2f%%); %d more ascended, %d more left out, %d confirmed not backed by their pixels",
          p.getTrusted() ? "trusted" : "not trusted", 100 * p.getHeldOutRecall(), 100 * p.getHeldOutFalseRate(),
          p.getAscendedCount(), p.getSuspectCount(), p.getDemotedCount()));
    }
    return out.append(String.format("%n  ")).append(ReportFormat.verdictLine(check.getVerdict(), targetLabel))
        .toString();
  }
}
