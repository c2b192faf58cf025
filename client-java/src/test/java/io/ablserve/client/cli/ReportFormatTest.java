package io.ablserve.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.BackdoorVerdict;
import io.ablserve.v1.BlendPattern;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.Defense;
import io.ablserve.v1.DeviceSlot;
import io.ablserve.v1.EpochSummary;
import io.ablserve.v1.FilterResult;
import io.ablserve.v1.FinalResult;
import io.ablserve.v1.IsolationLoss;
import io.ablserve.v1.LabelMode;
import io.ablserve.v1.ListDevicesResponse;
import io.ablserve.v1.LossReduction;
import io.ablserve.v1.ModelArch;
import io.ablserve.v1.ModelSpec;
import io.ablserve.v1.ModeConnectivity;
import io.ablserve.v1.NeuralAttentionDistillation;
import io.ablserve.v1.PatchCorner;
import io.ablserve.v1.Phase;
import io.ablserve.v1.Ranking;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.UnlearningMode;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportFormatTest {
  @Test
  void percent_hasTwoDecimalsAndShowsNanAsADash() {
    assertThat(ReportFormat.percent(0.91234)).isEqualTo("91.23%");
    assertThat(ReportFormat.percent(1)).isEqualTo("100.00%");
    assertThat(ReportFormat.percent(0)).isEqualTo("0.00%");
    assertThat(ReportFormat.percent(Double.NaN)).isEqualTo("-");
  }

  @Test
  void elapsed_scalesItsUnit() {
    assertThat(ReportFormat.elapsed(850)).isEqualTo("850ms");
    assertThat(ReportFormat.elapsed(12_345)).isEqualTo("12.3s");
    assertThat(ReportFormat.elapsed(83_400)).isEqualTo("1m 23s");
    assertThat(ReportFormat.elapsed(3_723_000)).isEqualTo("1h 02m 03s");
  }

  @Test
  void finalTable_alignsTheFigures() {
    FinalResult result = FinalResult.newBuilder()
        .setCleanAccuracy(0.9123).setAttackSuccessRate(0.0041)
        .setIsolationPrecision(1).setIsolationRecall(0.0985).setEpochs(10).setElapsedMs(83_400)
        .build();

    assertThat(ReportFormat.finalTable(result, -1)).isEqualTo("""
        result
        clean accuracy (CA)         91.23%
        attack success rate (ASR)    0.41%
        isolation precision        100.00%
        isolation recall             9.85%
        epochs                          10
        elapsed                     1m 23s
        """);
  }

  private static final BackdoorVerdict CONFIRMED = BackdoorVerdict.newBuilder()
      .setTested(true).setConfirmed(true).setLabel(0).setEvidence(9.1).setThreshold(6)
      .setMargin(3.1).setAscendedCount(890).setSuspectCount(12)
      .addAllClassEvidence(List.of(9.1, Double.NaN, 2.0)).build();

  @Test
  void finalTable_breaksDownTheCleanAccuracyByClassMarksTheTargetAndShowsTheVerdict() {
    FinalResult result = FinalResult.newBuilder()
        .setCleanAccuracy(0.9123).setAttackSuccessRate(0.0041)
        .setIsolationPrecision(1).setIsolationRecall(0.0985).setEpochs(10).setElapsedMs(83_400)
        .addAllClassAccuracy(List.of(0.851, 0.97, Double.NaN)).setVerdict(CONFIRMED)
        .build();

    assertThat(ReportFormat.finalTable(result, 0)).isEqualTo("""
        result
        clean accuracy (CA)         91.23%
          class 0 (target)          85.10%
          class 1                   97.00%
          class 2                        -
        attack success rate (ASR)    0.41%
        isolation precision        100.00%
        isolation recall             9.85%
        epochs                          10
        elapsed                     1m 23s
        backdoor confirmed at label 0: evidence 9.10 >= threshold 6.00 (margin +3.10);\
         890 samples ascended, 12 suspects set apart
        """);
  }

  @Test
  void finalTable_unconfirmedVerdict_saysNoBackdoorWithSeparationAndThreshold() {
    FinalResult result = FinalResult.newBuilder().setEpochs(10)
        .addAllClassAccuracy(List.of(0.9, 0.8))
        .setVerdict(BackdoorVerdict.newBuilder().setTested(true).setLabel(3).setEvidence(2.314)
            .setThreshold(6).setMargin(-3.686))
        .build();

    assertThat(ReportFormat.finalTable(result, -1))
        .containsPattern("(?m)^  class 0 +90\\.00%$")
        .doesNotContain("(target)")
        .containsPattern("(?m)^elapsed +0ms$")
        .endsWith("0ms\nno backdoor confirmed (evidence 2.31 < threshold 6.00,"
            + " strongest label 3)\n");
  }

  @Test
  void finalTable_withoutACheck_showsNoVerdict() {
    FinalResult untested = FinalResult.newBuilder().setEpochs(10)
        .setVerdict(BackdoorVerdict.getDefaultInstance()).build();

    assertThat(ReportFormat.finalTable(untested, 0)).containsPattern("(?m)^elapsed +0ms\\n\\z")
        .doesNotContain("backdoor").doesNotContain("class");
  }

  @Test
  void verdictLine_pointsOutAConfirmedLabelOtherThanTheTargetAndAnUntestableRanking() {
    assertThat(ReportFormat.verdictLine(CONFIRMED, 2)).endsWith(
        "12 suspects set apart (the attack's target is 2)");
    assertThat(ReportFormat.verdictLine(CONFIRMED, -1)).endsWith("suspects set apart");
    assertThat(ReportFormat.verdictLine(BackdoorVerdict.newBuilder().setTested(true).setLabel(-1)
        .setEvidence(Double.NaN).setThreshold(6).build(), 0))
        .isEqualTo("no backdoor confirmed (no label split into a cluster and a rest)");
  }

  @Test
  void targetLabel_isTheAttacksUnlessThereIsNoAttack() {
    AttackSpec badnets = AttackSpec.newBuilder()
        .setKind(AttackKind.ATTACK_KIND_BADNETS).setTargetLabel(2).build();

    assertThat(ReportFormat.targetLabel(SessionConfig.newBuilder().setAttack(badnets).build()))
        .isEqualTo(2);
    assertThat(ReportFormat.targetLabel(SessionConfig.newBuilder()
        .setAttack(badnets.toBuilder().setKind(AttackKind.ATTACK_KIND_NONE)).build())).isEqualTo(-1);
    assertThat(ReportFormat.targetLabel(SessionConfig.getDefaultInstance())).isEqualTo(-1);
  }

  @Test
  void config_showsTheResolvedValues() {
    SessionConfig resolved = SessionConfig.newBuilder()
        .setDisplayName("demo")
        .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").setTrainLimit(6000))
        .setAttack(AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_BADNETS)
            .setTargetLabel(0).setPoisonRate(0.1).setPatchSizePx(3))
        .setModel(ModelSpec.newBuilder().setArch(ModelArch.MODEL_ARCH_SMALL_CNN))
        .setAbl(AblConfig.newBuilder().setEpochs(10).setIsolationEpochs(5).setIsolationRatio(0.01)
            .setIsolationLoss(IsolationLoss.ISOLATION_LOSS_LGA)
            .setLossReduction(LossReduction.LOSS_REDUCTION_PER_SAMPLE)
            .setLgaGamma(0.5).setFloodingLevel(0.5).setLearningRate(0.01).setUnlearningWeight(1)
            .setBatchSize(128).setMomentum(0.9).setWeightDecay(1e-4)
            .setDefense(Defense.DEFENSE_ABL).setUnlearningMode(UnlearningMode.UNLEARNING_MODE_GGA)
            .setUnlearningLearningRate(0.01).setAscentEpochs(1).setRanking(Ranking.RANKING_GLOBAL)
            .setSuspectFiltering(true).setAugmentation(false).setIsolationExpansion(true)
            .setIsolateEarly(false))
        .setSeed(0)
        .setDevice("cpu")
        .build();

    assertThat(ReportFormat.config(resolved)).isEqualTo("""
        config
        name                 demo
        dataset              fashion-mnist (train 6000, test all)
        attack               BADNETS target 0, poison rate 10.00%, patch 3px
        model                SMALL_CNN
        defense              ABL
        epochs               10 (isolation 5)
        isolation            loss LGA PER_SAMPLE, ratio 1.00%, gamma 0.5, flooding level 0.5
        ranking              GLOBAL
        optimiser            lr 0.01, momentum 0.9, weight decay 0.0001, batch 128
        unlearning           GGA, lr 0.01
        unlearning weight    1
        suspect filtering    on
        augmentation         off
        isolation expansion  on
        isolate early        off
        seed                 0
        device               cpu
        """);
  }

  @Test
  void config_unsetNewSettings_showAsDefault() {
    String table = ReportFormat.config(SessionConfig.getDefaultInstance());

    assertThat(table).containsPattern("(?m)^attack +default target default, poison rate default$")
        .containsPattern("(?m)^model +default$")
        .containsPattern("(?m)^defense +default$")
        .containsPattern("(?m)^ranking +default$")
        .containsPattern("(?m)^unlearning +default, lr default$")
        .containsPattern("(?m)^suspect filtering +default$")
        .containsPattern("(?m)^augmentation +default$")
        // A server whose slots decide echoes no device for a session that may take any slot.
        .containsPattern("(?m)^device +any slot$");
  }

  @Test
  void config_showsThePatchPlacementAndTheBlendPatternOnceResolved() {
    AttackSpec resolved = AttackSpec.newBuilder().setTargetLabel(0).setPoisonRate(0.1).setPatchSizePx(3)
        .setPatchCorner(PatchCorner.PATCH_CORNER_TOP_LEFT).setPatchMarginPx(2).setBlendAlpha(0.2)
        .setBlendPattern(BlendPattern.BLEND_PATTERN_NOISE).setBlendSeed(7).build();

    assertThat(attackRow(resolved.toBuilder().setKind(AttackKind.ATTACK_KIND_BADNETS)))
        .isEqualTo("BADNETS target 0, poison rate 10.00%, patch 3px top-left margin 2px");
    assertThat(attackRow(resolved.toBuilder().setKind(AttackKind.ATTACK_KIND_BLEND)))
        .isEqualTo("BLEND target 0, poison rate 10.00%, alpha 0.2, noise seed 7");
    assertThat(attackRow(resolved.toBuilder().setKind(AttackKind.ATTACK_KIND_BLEND)
            .setBlendPattern(BlendPattern.BLEND_PATTERN_CHECKERBOARD)))
        .isEqualTo("BLEND target 0, poison rate 10.00%, alpha 0.2, checkerboard");
  }

  @Test
  void config_showsTheAttackParametersOfItsKindOnly() {
    AttackSpec all = AttackSpec.newBuilder().setTargetLabel(0).setPoisonRate(0.1)
        .setPatchSizePx(3).setBlendAlpha(0.2).setSigAmplitude(20).setSigFrequency(6)
        .setWanetGridSize(4).setWanetStrength(0.5).setWanetCrossRatio(2).build();

    assertThat(attackRow(all.toBuilder().setKind(AttackKind.ATTACK_KIND_NONE)))
        .isEqualTo("NONE");
    assertThat(attackRow(all.toBuilder().setKind(AttackKind.ATTACK_KIND_BADNETS)))
        .isEqualTo("BADNETS target 0, poison rate 10.00%, patch 3px");
    assertThat(attackRow(all.toBuilder().setKind(AttackKind.ATTACK_KIND_BLEND)))
        .isEqualTo("BLEND target 0, poison rate 10.00%, alpha 0.2");
    assertThat(attackRow(all.toBuilder().setKind(AttackKind.ATTACK_KIND_TROJAN)))
        .isEqualTo("TROJAN target 0, poison rate 10.00%");
    assertThat(attackRow(all.toBuilder().setKind(AttackKind.ATTACK_KIND_SIG)))
        .isEqualTo("SIG target 0, poison rate 10.00%, amplitude 20, frequency 6");
    assertThat(attackRow(all.toBuilder().setKind(AttackKind.ATTACK_KIND_WANET)))
        .isEqualTo("WANET target 0, poison rate 10.00%, grid 4, strength 0.5, cross ratio 2");
    assertThat(attackRow(all.toBuilder().setKind(AttackKind.ATTACK_KIND_CL).setClEpsilon(16)
        .setClSteps(100).setClStepSize(1.5).setClSurrogateEpochs(2).setClAllCorners(true)))
        .isEqualTo("CL target 0, poison rate 10.00%, patch 3px all corners, epsilon 16, 100 steps of 1.5,"
            + " surrogate epochs 2");
    assertThat(attackRow(all.toBuilder().setKind(AttackKind.ATTACK_KIND_DYNAMIC).setDynamicGeneratorEpochs(2)
        .setDynamicMaskEpochs(1).setDynamicMaskDensity(0.032).setDynamicCrossRatio(1)))
        .isEqualTo("DYNAMIC target 0, poison rate 10.00%, generator epochs 2, mask epochs 1, mask density"
            + " 0.032, cross ratio 1");
    assertThat(attackRow(all.toBuilder().setKind(AttackKind.ATTACK_KIND_TROJAN).clearTargetLabel()
        .setLabelMode(LabelMode.LABEL_MODE_ALL_TO_ALL)))
        .isEqualTo("TROJAN all-to-all, poison rate 10.00%");
    assertThat(attackRow(AttackSpec.newBuilder().setBlendAlpha(0.3)))
        .isEqualTo("default target default, poison rate default, alpha 0.3");
  }

  @Test
  void config_showsAscentEpochsOnlyForFinetuneThenAscent() {
    AblConfig.Builder abl = AblConfig.newBuilder()
        .setUnlearningMode(UnlearningMode.UNLEARNING_MODE_FINETUNE_THEN_ASCENT)
        .setUnlearningLearningRate(5e-4).setAscentEpochs(2).setDefense(Defense.DEFENSE_NONE);

    String table = ReportFormat.config(SessionConfig.newBuilder().setAbl(abl).build());

    assertThat(table).containsPattern("(?m)^unlearning +FINETUNE_THEN_ASCENT, lr 0.0005,"
        + " ascent epochs 2$").containsPattern("(?m)^defense +NONE$");
  }

  @Test
  void config_showsNadsTeacherEpochsAndBeta_unsetOnesAsDefault() {
    SessionConfig nad = SessionConfig.newBuilder()
        .setAbl(AblConfig.newBuilder().setDefense(Defense.DEFENSE_NAD))
        .setNad(NeuralAttentionDistillation.newBuilder().setTeacherEpochs(3))
        .build();

    assertThat(ReportFormat.config(nad)).containsPattern("(?m)^defense +NAD$")
        .containsPattern("(?m)^attention distillation +3 teacher epochs, beta default$");
    assertThat(ReportFormat.config(SessionConfig.getDefaultInstance())).doesNotContain("attention distillation");
  }

  @Test
  void config_showsNadsLayers_whenNamed() {
    SessionConfig nad = SessionConfig.newBuilder()
        .setAbl(AblConfig.newBuilder().setDefense(Defense.DEFENSE_NAD))
        .setNad(NeuralAttentionDistillation.newBuilder().setBeta(10).addLayers("group2").addLayers("last_conv_stage"))
        .build();

    assertThat(ReportFormat.config(nad))
        .containsPattern("(?m)^attention distillation +default teacher epochs, beta 10, layers group2, last_conv_stage$");
  }

  @Test
  void totalEpochs_countsTheFineTuningAndTheNadTeachersEpochs() {
    SessionConfig nad = SessionConfig.newBuilder()
        .setAbl(AblConfig.newBuilder().setDefense(Defense.DEFENSE_NAD).setEpochs(20))
        .setFineTuning(io.ablserve.v1.FineTuning.newBuilder().setEpochs(10))
        .setNad(NeuralAttentionDistillation.newBuilder().setTeacherEpochs(5))
        .build();

    assertThat(ReportFormat.totalEpochs(nad)).isEqualTo(35);
    assertThat(ReportFormat.totalEpochs(nad.toBuilder().clearNad().build())).isEqualTo(30);
  }

  @Test
  void config_showsMcrsCurveEpochsAndPoint_unsetOnesAsDefault() {
    SessionConfig mcr = SessionConfig.newBuilder()
        .setAbl(AblConfig.newBuilder().setDefense(Defense.DEFENSE_MCR))
        .setMcr(ModeConnectivity.newBuilder().setT(0.3))
        .build();

    assertThat(ReportFormat.config(mcr)).containsPattern("(?m)^defense +MCR$")
        .containsPattern("(?m)^mode connectivity +default curve epochs, t 0.3$");
    assertThat(ReportFormat.config(SessionConfig.getDefaultInstance())).doesNotContain("mode connectivity");
  }

  @Test
  void totalEpochs_countsBothMcrEndpointsAndTheCurve() {
    SessionConfig mcr = SessionConfig.newBuilder()
        .setAbl(AblConfig.newBuilder().setDefense(Defense.DEFENSE_MCR).setEpochs(20))
        .setFineTuning(io.ablserve.v1.FineTuning.newBuilder().setEpochs(10))
        .setMcr(ModeConnectivity.newBuilder().setCurveEpochs(7).setT(0.4))
        .build();

    assertThat(ReportFormat.totalEpochs(mcr)).isEqualTo(47);
  }

  private static String attackRow(AttackSpec.Builder attack) {
    String table = ReportFormat.config(SessionConfig.newBuilder().setAttack(attack).build());
    return table.lines().filter(line -> line.startsWith("attack "))
        .map(line -> line.substring("attack".length()).strip()).findFirst().orElseThrow();
  }

  @Test
  void filterLine_showsCountsAndPercentagesWithTheApisZeroBasedEpoch() {
    FilterResult filter = FilterResult.newBuilder().setEpoch(2).setRemovedCount(1095)
        .setPrecision(0.49).setRecall(0.989).setKeptSize(4845).build();

    assertThat(ReportFormat.filterLine(filter)).isEqualTo(
        "filtered 1095 suspects from the kept set after epoch 2: precision 49.00% recall 98.90%,"
            + " 4845 kept");
  }

  @Test
  void filterLine_withoutPoisons_showsDashes() {
    FilterResult filter = FilterResult.newBuilder().setEpoch(5).setRemovedCount(0)
        .setPrecision(Double.NaN).setRecall(Double.NaN).setKeptSize(5940).build();

    assertThat(ReportFormat.filterLine(filter)).isEqualTo(
        "filtered 0 suspects from the kept set after epoch 5: precision - recall -, 5940 kept");
  }

  @Test
  void phase_namesPlainTrainingOfTheBaseline() {
    assertThat(ReportFormat.phase(Phase.PHASE_TRAINING)).isEqualTo("TRAINING");
    assertThat(ReportFormat.phase(Phase.PHASE_UNSPECIFIED)).isEqualTo("-");
    assertThat(ReportFormat.epochLine(EpochSummary.newBuilder().setEpoch(0)
        .setPhase(Phase.PHASE_TRAINING).setCleanAccuracy(0.9).setAttackSuccessRate(0.95)
        .setMeanLossPoisoned(0.01).setMeanLossClean(0.3).setIsolationPrecision(0.5)
        .setIsolationRecall(0.05).setTrainElapsedMs(850).build(), 10))
        .isEqualTo("epoch 0/10 TRAINING    CA  90.00%  ASR  95.00%  loss poisoned 0.0100"
            + " clean 0.3000  isolation precision 50.00% recall 5.00%  850ms");
  }

  @Test
  void finalLine_withoutAResult_hasOnlyTheState() {
    assertThat(ReportFormat.finalLine(SessionState.SESSION_STATE_CANCELLED, null))
        .isEqualTo("final state=CANCELLED");
  }

  @Test
  void sessionsTable_showsPhaseAndEpochOnlyWhileRunningAndQueuePositionOnlyWhileQueued() {
    SessionConfig tenEpochs =
        SessionConfig.newBuilder().setAbl(AblConfig.newBuilder().setEpochs(10)).build();
    Session running = Session.newBuilder()
        .setId("b2").setConfig(tenEpochs.toBuilder().setDisplayName("lga-sweep"))
        .setState(SessionState.SESSION_STATE_RUNNING).setPhase(Phase.PHASE_UNLEARNING)
        .setEpoch(6).setQueuePosition(-1)
        .setCreatedAt(Timestamp.newBuilder().setSeconds(1_795_000_000).setNanos(5))
        .build();
    Session queued = Session.newBuilder()
        .setId("c3").setConfig(tenEpochs).setState(SessionState.SESSION_STATE_QUEUED)
        .setQueuePosition(0).setPriority(5).build();

    assertThat(ReportFormat.sessionsTable(List.of(queued, running))).isEqualTo("""
        ID  NAME       STATE    PHASE       EPOCH  QUEUE  PRIO  CA  ASR  CREATED
        c3  -          QUEUED   -               -      0     5   -    -  -
        b2  lga-sweep  RUNNING  UNLEARNING   6/10      -     0   -    -  2026-11-18T11:06:40Z
        """);
  }

  @Test
  void sessionsTable_countsTheIsolationEpochsBeforeARetraining() {
    SessionConfig config =
        SessionConfig.newBuilder().setAbl(AblConfig.newBuilder().setEpochs(10).setIsolationEpochs(5)).build();
    Session retraining = Session.newBuilder()
        .setId("d4").setConfig(config).setState(SessionState.SESSION_STATE_RUNNING)
        .setPhase(Phase.PHASE_RETRAINING).setEpoch(7).setQueuePosition(-1).build();

    assertThat(ReportFormat.sessionsTable(List.of(retraining)))
        .contains("RETRAINING   7/15");
  }

  @Test
  void devicesTable_showsEachSlotsSessionAndMemory_thenTheQueue() {
    ListDevicesResponse devices = ListDevicesResponse.newBuilder()
        .setIsolation("process")
        .setQueuedSessions(3)
        .addSlots(DeviceSlot.newBuilder().setName("cpu-0").setDevice("cpu").setThreads(1))
        .addSlots(DeviceSlot.newBuilder().setName("gpu-0").setDevice("gpu:0").setBusy(true)
            .setSessionId("5f3c").setWorkerPid(4242).setResidentBytes(1536L << 20)
            .setGpuMemoryUsedBytes(2048L << 20).setGpuMemoryTotalBytes(143_771L << 20))
        .addSlots(DeviceSlot.newBuilder().setName("gpu-1").setDevice("gpu:1").setBusy(true)
            .setWorkerPid(4243).setResidentBytes(1024L << 20))
        .build();

    assertThat(ReportFormat.devicesTable(devices)).isEqualTo("""
        SLOT   DEVICE  THREADS  SESSION   PID  MEM MiB  GPU MiB
        cpu-0  cpu           1  idle        -        -  -
        gpu-0  gpu:0       all  5f3c     4242     1536  2048 / 143771
        gpu-1  gpu:1       all  busy     4243     1024  -
        isolation process, 3 queued
        """);
    assertThat(ReportFormat.devicesTable(devices.toBuilder().clearQueuedSessions().build()))
        .as("an older server: no count").endsWith("isolation process\n");
  }

  @Test
  void table_rendersHeaderOnlyForNoSessions() {
    assertThat(ReportFormat.sessionsTable(List.of()))
        .isEqualTo("ID  NAME  STATE  PHASE  EPOCH  QUEUE  PRIO  CA  ASR  CREATED\n");
  }
}
