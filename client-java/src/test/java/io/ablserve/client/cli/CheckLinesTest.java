package io.ablserve.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.v1.BackdoorCheckResult;
import io.ablserve.v1.BackdoorVerdict;
import io.ablserve.v1.LabelEvidence;
import io.ablserve.v1.TriggerProbeResult;
import org.junit.jupiter.api.Test;

class CheckLinesTest {
  @Test
  void render_listsEachLabelsMeasuresThenTheVerdict() {
    BackdoorCheckResult check = BackdoorCheckResult.newBuilder()
        .setEpoch(2)
        .addLabels(LabelEvidence.newBuilder().setLabel(0).setClusterSize(98).setLabelSize(180)
            .setSeparation(5.1).setLossGapNats(4.2).setRunnerUpDiversity(0.91).setRestRunnerUpDiversity(0.42)
            .setEvidence(19.49))
        .addLabels(LabelEvidence.newBuilder().setLabel(3).setClusterSize(20).setLabelSize(100)
            .setSeparation(2).setLossGapNats(1).setRunnerUpDiversity(0.5).setRestRunnerUpDiversity(0.6)
            .setEvidence(1))
        .setVerdict(BackdoorVerdict.newBuilder().setTested(true).setConfirmed(true).setLabel(0)
            .setEvidence(19.49).setThreshold(6).setMargin(13.49).setAscendedCount(90).setSuspectCount(8))
        .build();

    assertThat(CheckLines.render(check, 0).lines()).containsExactly(
        "backdoor check for turning epoch 2:",
        "  label 0 (target): cluster of 98 of 180, separation 5.10, loss gap 4.20 nats, runner-up diversity"
            + " 0.910 (rest 0.420), evidence 19.49",
        "  label 3: cluster of 20 of 100, separation 2.00, loss gap 1.00 nats, runner-up diversity 0.500"
            + " (rest 0.600), evidence 1.00",
        "  backdoor confirmed at label 0: evidence 19.49 >= threshold 6.00 (margin +13.49); 90 samples"
            + " ascended, 8 suspects set apart");
  }

  @Test
  void render_showsTheTriggerProbeBeforeTheVerdict() {
    BackdoorCheckResult check = BackdoorCheckResult.newBuilder()
        .setEpoch(5)
        .setProbe(TriggerProbeResult.newBuilder().setTrusted(true).setRounds(2).setHeldOutRecall(0.982)
            .setHeldOutFalseRate(0.005).setAscendedCount(163).setSuspectCount(51).setDemotedCount(41))
        .setVerdict(BackdoorVerdict.newBuilder().setTested(true).setConfirmed(true).setLabel(2)
            .setEvidence(16.2).setThreshold(6).setMargin(10.2).setAscendedCount(941).setSuspectCount(115))
        .build();

    assertThat(CheckLines.render(check, 2).lines()).containsExactly(
        "backdoor check for turning epoch 5:",
        "  trigger probe: trusted, 98.2% of the held-back confirmed set above the threshold (other labels"
            + " 0.50%); 163 more ascended, 51 more left out, 41 confirmed not backed by their pixels",
        "  backdoor confirmed at label 2: evidence 16.20 >= threshold 6.00 (margin +10.20); 941 samples"
            + " ascended, 115 suspects set apart");
  }
}
