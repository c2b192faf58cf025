package io.ablserve.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.ablserve.client.AblClient;
import io.ablserve.client.InProcessServer;
import io.ablserve.client.ScriptedResultsService;
import io.ablserve.client.ScriptedSessionService;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.BackdoorVerdict;
import io.ablserve.v1.BlendPattern;
import io.ablserve.v1.CleanData;
import io.ablserve.v1.Defense;
import io.ablserve.v1.FilterResult;
import io.ablserve.v1.FinePruning;
import io.ablserve.v1.FineTuning;
import io.ablserve.v1.IsolationLoss;
import io.ablserve.v1.IsolationResult;
import io.ablserve.v1.IsolationSignal;
import io.ablserve.v1.LabelMode;
import io.ablserve.v1.LossReduction;
import io.ablserve.v1.ModelArch;
import io.ablserve.v1.ModeConnectivity;
import io.ablserve.v1.NeuralAttentionDistillation;
import io.ablserve.v1.PatchCorner;
import io.ablserve.v1.Phase;
import io.ablserve.v1.PhaseChange;
import io.ablserve.v1.Ranking;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.SuspectTreatment;
import io.ablserve.v1.UnlearningMode;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AblCliTest {
  private final InProcessServer server = new InProcessServer();
  private final List<String> addresses = new ArrayList<>();
  private final List<Duration> deadlines = new ArrayList<>();
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @AfterEach
  void stop() throws InterruptedException {
    server.close();
  }

  private int execute(String... args) {
    return execute(false, args);
  }

  /** Runs the CLI in-process; {@code terminal}: as if a person ran it at a terminal. */
  private int execute(boolean terminal, String... args) {
    AblCli cli = new AblCli(settings -> {
      addresses.add(settings.address());
      deadlines.add(settings.deadline());
      return new AblClient(server.channel, settings.deadline());
    }, Map.of()).terminal(terminal);
    return new CommandLine(cli)
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(args);
  }

  private SessionConfig sentConfig() {
    assertThat(server.service.creates).hasSize(1);
    return server.service.creates.get(0).getConfig();
  }

  @Test
  void run_leavesUnsetOptionsUnsetInTheRequest() {
    execute("run", "--no-progress", "--train-limit", "500");

    SessionConfig sent = sentConfig();
    assertThat(sent.getDataset().getName()).isEmpty(); // the server's default, as from Python
    assertThat(sent.getDataset().getTrainLimit()).isEqualTo(500);
    assertThat(sent.getDataset().getTestLimit()).isZero();
    assertThat(sent.hasAbl()).isFalse();
    assertThat(sent.getAbl().hasEpochs()).isFalse();
    assertThat(sent.hasAttack()).isFalse();
    assertThat(sent.hasModel()).isFalse();
    assertThat(sent.hasSeed()).isFalse();
    assertThat(sent.getDevice()).isEmpty();
  }

  @Test
  void run_leavesNewOptionsUnsetWhenNotGiven() {
    execute("run", "--no-progress", "--epochs", "4");

    AttackSpec attack = sentConfig().getAttack();
    assertThat(attack.hasBlendAlpha()).isFalse();
    assertThat(attack.hasSigAmplitude()).isFalse();
    assertThat(attack.hasSigFrequency()).isFalse();
    assertThat(attack.hasWanetGridSize()).isFalse();
    assertThat(attack.hasWanetStrength()).isFalse();
    assertThat(attack.hasWanetCrossRatio()).isFalse();
    assertThat(sentConfig().getModel().getArch()).isEqualTo(ModelArch.MODEL_ARCH_UNSPECIFIED);
    AblConfig abl = sentConfig().getAbl();
    assertThat(abl).isEqualTo(AblConfig.newBuilder().setEpochs(4).build());
    assertThat(abl.getDefense()).isEqualTo(Defense.DEFENSE_UNSPECIFIED);
    assertThat(abl.getUnlearningMode()).isEqualTo(UnlearningMode.UNLEARNING_MODE_UNSPECIFIED);
    assertThat(abl.getRanking()).isEqualTo(Ranking.RANKING_UNSPECIFIED);
    assertThat(abl.hasUnlearningLearningRate()).isFalse();
    assertThat(abl.hasAscentEpochs()).isFalse();
    assertThat(abl.hasSuspectFiltering()).isFalse();
    assertThat(abl.hasAugmentation()).isFalse();
  }

  @Test
  void run_sendsTheAttackAndAblVariantOptions() {
    execute("run", "--no-progress", "--attack", "WaNet", "--blend-alpha", "0.15",
        "--sig-amplitude", "30", "--sig-frequency", "8", "--wanet-grid-size", "6",
        "--wanet-strength", "0.75", "--wanet-cross-ratio", "1.5", "--model", "wrn-16-1",
        "--defense", "abl", "--unlearning-mode", "finetune-then-ascent", "--unlearning-lr", "0.0005",
        "--ascent-epochs", "2", "--ranking", "per-class", "--suspect-filtering",
        "--no-augmentation", "--final-decay-epochs", "2");

    SessionConfig sent = sentConfig();
    assertThat(sent.getAttack()).isEqualTo(AttackSpec.newBuilder()
        .setKind(AttackKind.ATTACK_KIND_WANET).setBlendAlpha(0.15).setSigAmplitude(30)
        .setSigFrequency(8).setWanetGridSize(6).setWanetStrength(0.75).setWanetCrossRatio(1.5)
        .build());
    assertThat(sent.getModel().getArch()).isEqualTo(ModelArch.MODEL_ARCH_WRN_16_1);
    assertThat(sent.getAbl()).isEqualTo(AblConfig.newBuilder()
        .setDefense(Defense.DEFENSE_ABL)
        .setUnlearningMode(UnlearningMode.UNLEARNING_MODE_FINETUNE_THEN_ASCENT)
        .setUnlearningLearningRate(0.0005).setAscentEpochs(2)
        .setRanking(Ranking.RANKING_PER_CLASS)
        .setSuspectFiltering(true).setAugmentation(false).setFinalDecayEpochs(2)
        .build());
  }

  @Test
  void run_sendsTheBaselineDefenseOptions() {
    execute("run", "--no-progress", "--defense", "FP", "--clean-count", "300", "--finetune-epochs", "3",
        "--finetune-lr", "0.002", "--prune-max-accuracy-drop", "0.02", "--prune-max-ratio", "0.5");
    execute("run", "--no-progress", "--defense", "ft", "--clean-fraction", "0.1");

    SessionConfig fp = server.service.creates.get(0).getConfig();
    assertThat(fp.getAbl().getDefense()).isEqualTo(Defense.DEFENSE_FP);
    assertThat(fp.getCleanData()).isEqualTo(CleanData.newBuilder().setCount(300).build());
    assertThat(fp.getFineTuning()).isEqualTo(FineTuning.newBuilder().setEpochs(3).setLearningRate(0.002).build());
    assertThat(fp.getFinePruning())
        .isEqualTo(FinePruning.newBuilder().setMaxAccuracyDrop(0.02).setMaxPruneRatio(0.5).build());
    SessionConfig ft = server.service.creates.get(1).getConfig();
    assertThat(ft.getAbl().getDefense()).isEqualTo(Defense.DEFENSE_FT);
    assertThat(ft.getCleanData()).isEqualTo(CleanData.newBuilder().setFraction(0.1).build());
    assertThat(ft.hasFineTuning()).isFalse(); // unset: the server's defaults
    assertThat(ft.hasFinePruning()).isFalse();
  }

  @Test
  void run_sendsTheNadOptions_andLeavesUnsetOnesToTheServer() {
    execute("run", "--no-progress", "--defense", "nad", "--nad-teacher-epochs", "3", "--nad-beta", "250",
        "--finetune-epochs", "4");
    execute("run", "--no-progress", "--defense", "nad", "--nad-beta", "50");

    SessionConfig nad = server.service.creates.get(0).getConfig();
    assertThat(nad.getAbl().getDefense()).isEqualTo(Defense.DEFENSE_NAD);
    assertThat(nad.getNad())
        .isEqualTo(NeuralAttentionDistillation.newBuilder().setTeacherEpochs(3).setBeta(250).build());
    assertThat(nad.getFineTuning()).isEqualTo(FineTuning.newBuilder().setEpochs(4).build());
    assertThat(nad.hasCleanData()).isFalse();
    SessionConfig betaOnly = server.service.creates.get(1).getConfig();
    assertThat(betaOnly.getNad().hasTeacherEpochs()).isFalse();
    assertThat(betaOnly.getNad().getBeta()).isEqualTo(50);
    assertThat(betaOnly.hasFineTuning()).isFalse();
    assertThat(betaOnly.getNad().getLayersList()).isEmpty(); // the server's defaults for the model
  }

  @Test
  void run_sendsTheNadLayers_commaSeparatedOrRepeated() {
    execute("run", "--no-progress", "--defense", "nad", "--model", "wrn-16-1", "--nad-layers",
        "group1,last_conv_stage");
    execute("run", "--no-progress", "--defense", "nad", "--nad-layers", "conv2", "--nad-layers", "conv1");

    assertThat(server.service.creates.get(0).getConfig().getNad())
        .isEqualTo(NeuralAttentionDistillation.newBuilder().addLayers("group1").addLayers("last_conv_stage").build());
    assertThat(server.service.creates.get(1).getConfig().getNad().getLayersList()).containsExactly("conv2", "conv1");
  }

  @Test
  void run_sendsTheMcrOptions_andLeavesUnsetOnesToTheServer() {
    execute("run", "--no-progress", "--defense", "mcr", "--mcr-curve-epochs", "3", "--mcr-t", "0.25",
        "--finetune-epochs", "4", "--clean-count", "200");
    execute("run", "--no-progress", "--defense", "mcr", "--mcr-t", "0.7");
    execute("run", "--no-progress", "--defense", "mcr");

    SessionConfig mcr = server.service.creates.get(0).getConfig();
    assertThat(mcr.getAbl().getDefense()).isEqualTo(Defense.DEFENSE_MCR);
    assertThat(mcr.getMcr()).isEqualTo(ModeConnectivity.newBuilder().setCurveEpochs(3).setT(0.25).build());
    assertThat(mcr.getFineTuning()).isEqualTo(FineTuning.newBuilder().setEpochs(4).build());
    assertThat(mcr.getCleanData()).isEqualTo(CleanData.newBuilder().setCount(200).build());
    SessionConfig pointOnly = server.service.creates.get(1).getConfig();
    assertThat(pointOnly.getMcr()).isEqualTo(ModeConnectivity.newBuilder().setT(0.7).build());
    assertThat(pointOnly.hasFineTuning()).isFalse();
    SessionConfig defaults = server.service.creates.get(2).getConfig();
    assertThat(defaults.getAbl().getDefense()).isEqualTo(Defense.DEFENSE_MCR);
    assertThat(defaults.hasMcr()).isFalse(); // unset: the server's defaults
  }

  @Test
  void run_refusesACleanCountAndFractionTogether() {
    assertThat(execute("run", "--no-progress", "--defense", "ft", "--clean-count", "10", "--clean-fraction",
        "0.1")).isEqualTo(2);
    assertThat(server.service.creates).isEmpty();
  }

  @Test
  void run_negatableFlags_sendFalseWhenNegatedAndTrueWhenGiven() {
    execute("run", "--no-progress", "--no-suspect-filtering", "--augmentation", "--no-isolation-expansion",
        "--isolate-early");

    AblConfig abl = sentConfig().getAbl();
    assertThat(abl.hasIsolationExpansion()).isTrue();
    assertThat(abl.getIsolationExpansion()).isFalse();
    assertThat(abl.hasIsolateEarly()).isTrue();
    assertThat(abl.getIsolateEarly()).isTrue();
    assertThat(abl.hasSuspectFiltering()).isTrue();
    assertThat(abl.getSuspectFiltering()).isFalse();
    assertThat(abl.hasAugmentation()).isTrue();
    assertThat(abl.getAugmentation()).isTrue();
  }

  @Test
  void run_mapsEveryChoiceCaseInsensitively() {
    String[][] choices = {
      {"--attack", "none"}, {"--attack", "BADNETS"}, {"--attack", "blend"}, {"--attack", "Trojan"},
      {"--attack", "sig"}, {"--attack", "wanet"}, {"--attack", "CL"}, {"--attack", "Dynamic"},
      {"--model", "small-cnn"}, {"--model", "WRN-16-1"}, {"--model", "resnet-18"},
      {"--model", "resnet-34"},
      {"--defense", "abl"}, {"--defense", "None"}, {"--defense", "FT"}, {"--defense", "fp"},
      {"--defense", "NAD"}, {"--defense", "Mcr"},
      {"--unlearning-mode", "gga"}, {"--unlearning-mode", "Finetune-Then-Ascent"},
      {"--ranking", "global"}, {"--ranking", "PER-CLASS"},
      {"--suspect-treatment", "drop"}, {"--suspect-treatment", "Pseudo-Label"},
    };
    for (String[] choice : choices) {
      assertThat(execute("run", "--no-progress", choice[0], choice[1])).isZero();
    }

    List<SessionConfig> sent = server.service.creates.stream().map(r -> r.getConfig()).toList();
    assertThat(sent.subList(0, 8)).extracting(c -> c.getAttack().getKind()).containsExactly(
        AttackKind.ATTACK_KIND_NONE, AttackKind.ATTACK_KIND_BADNETS, AttackKind.ATTACK_KIND_BLEND,
        AttackKind.ATTACK_KIND_TROJAN, AttackKind.ATTACK_KIND_SIG, AttackKind.ATTACK_KIND_WANET,
        AttackKind.ATTACK_KIND_CL, AttackKind.ATTACK_KIND_DYNAMIC);
    assertThat(sent.subList(8, 12)).extracting(c -> c.getModel().getArch()).containsExactly(
        ModelArch.MODEL_ARCH_SMALL_CNN, ModelArch.MODEL_ARCH_WRN_16_1,
        ModelArch.MODEL_ARCH_RESNET_18, ModelArch.MODEL_ARCH_RESNET_34);
    assertThat(sent.subList(12, 18)).extracting(c -> c.getAbl().getDefense())
        .containsExactly(
            Defense.DEFENSE_ABL, Defense.DEFENSE_NONE, Defense.DEFENSE_FT, Defense.DEFENSE_FP, Defense.DEFENSE_NAD,
            Defense.DEFENSE_MCR);
    assertThat(sent.subList(18, 20)).extracting(c -> c.getAbl().getUnlearningMode())
        .containsExactly(UnlearningMode.UNLEARNING_MODE_GGA,
            UnlearningMode.UNLEARNING_MODE_FINETUNE_THEN_ASCENT);
    assertThat(sent.subList(20, 22)).extracting(c -> c.getAbl().getRanking())
        .containsExactly(Ranking.RANKING_GLOBAL, Ranking.RANKING_PER_CLASS);
    assertThat(sent.subList(22, 24)).extracting(c -> c.getAbl().getSuspectTreatment())
        .containsExactly(SuspectTreatment.SUSPECT_TREATMENT_DROP, SuspectTreatment.SUSPECT_TREATMENT_PSEUDO_LABEL);
  }

  @Test
  void run_sendsEveryOptionGiven() {
    execute("run", "--no-progress", "--name", "sweep-1", "--dataset", "mnist",
        "--train-limit", "6000", "--test-limit", "1000", "--attack", "BadNets", "--target", "3",
        "--poison-rate", "0.05", "--patch-size", "4", "--epochs", "20", "--isolation-epochs", "5",
        "--isolation-ratio", "0.02", "--loss", "flooding", "--loss-reduction", "batch-mean",
        "--gamma", "0.4", "--flooding-level", "0.3", "--lr", "0.05", "--momentum", "0.8",
        "--weight-decay", "0.0005", "--unlearning-weight", "2", "--batch-size", "64",
        "--step-report-interval", "5", "--seed", "42", "--device", "gpu:1");

    SessionConfig sent = sentConfig();
    assertThat(sent.getDisplayName()).isEqualTo("sweep-1");
    assertThat(sent.getDataset().getName()).isEqualTo("mnist");
    assertThat(sent.getDataset().getTestLimit()).isEqualTo(1000);
    assertThat(sent.getAttack().getKind()).isEqualTo(AttackKind.ATTACK_KIND_BADNETS);
    assertThat(sent.getAttack().getTargetLabel()).isEqualTo(3);
    assertThat(sent.getAttack().getPoisonRate()).isEqualTo(0.05);
    assertThat(sent.getAttack().getPatchSizePx()).isEqualTo(4);
    assertThat(sent.getAbl()).isEqualTo(AblConfig.newBuilder()
        .setEpochs(20).setIsolationEpochs(5).setIsolationRatio(0.02)
        .setIsolationLoss(IsolationLoss.ISOLATION_LOSS_FLOODING)
        .setLossReduction(LossReduction.LOSS_REDUCTION_BATCH_MEAN)
        .setLgaGamma(0.4).setFloodingLevel(0.3).setLearningRate(0.05).setMomentum(0.8)
        .setWeightDecay(0.0005).setUnlearningWeight(2).setBatchSize(64).setStepReportInterval(5)
        .build());
    assertThat(sent.getSeed()).isEqualTo(42);
    assertThat(sent.getDevice()).isEqualTo("gpu:1");
  }

  @Test
  void run_printsTheResolvedConfigEpochsIsolationAndFinalResult() {
    int exit = execute("run", "--no-progress", "--name", "demo");

    assertThat(exit).isZero();
    assertThat(err.toString()).isEmpty();
    String printed = out.toString();
    assertThat(printed).startsWith("session id=s-1 state=QUEUED queue_position=0 priority=0\n");
    assertThat(printed).containsPattern("(?m)^epochs +3 \\(isolation 2\\)$");
    assertThat(printed).containsPattern("(?m)^optimiser +lr default, ");
    assertThat(printed).contains("epoch 0/3 ISOLATION   CA  80.00%  ASR  97.00%");
    assertThat(printed).contains("epoch 2/3 UNLEARNING  CA  91.23%  ASR   0.41%");
    assertThat(printed).contains(
        "isolated 3 of 100 samples after epoch 1 (4 poisoned in the training set):"
            + " precision 66.67% recall 50.00%");
    assertThat(printed).contains("phase UNLEARNING from epoch 2\n");
    assertThat(printed).contains("filtered 1095 suspects from the kept set after epoch 2:"
        + " precision 49.00% recall 98.90%, 4845 kept\n");
    assertThat(printed).containsPattern("(?m)^clean accuracy \\(CA\\) +91\\.23%$");
    assertThat(printed).containsPattern("(?m)^attack success rate \\(ASR\\) +0\\.41%$");
    assertThat(printed).containsPattern("(?m)^isolation precision +98\\.50%$");
    assertThat(printed).containsPattern("(?m)^isolation recall +9\\.85%$");
    assertThat(printed).containsPattern("(?m)^elapsed +1m 23s$");
    assertThat(printed).endsWith("final state=SUCCEEDED ca=0.912300 asr=0.004100"
        + " isolation_precision=0.985000 isolation_recall=0.098500 epochs=3 elapsed_ms=83400\n");
  }

  @Test
  void run_notOnATerminal_drawsNoBar() {
    int exit = execute("run");

    assertThat(exit).isZero();
    assertThat(err.toString()).isEmpty();
    assertThat(out.toString()).doesNotContain("\r").contains("epoch 2/3", "final state=SUCCEEDED");
  }

  @Test
  void run_failedSession_exitsNonZeroWithItsReason() {
    server.service.endCreatedSessionsAs(SessionState.SESSION_STATE_FAILED);

    int exit = execute("run", "--no-progress");

    assertThat(exit).isEqualTo(AblCli.EXIT_SESSION_NOT_SUCCEEDED);
    assertThat(out.toString()).contains("state FAILED: out of memory\n");
    assertThat(out.toString()).endsWith("final state=FAILED\n");
  }

  @Test
  void run_cancelledSession_exitsNonZero() {
    server.service.endCreatedSessionsAs(SessionState.SESSION_STATE_CANCELLED);

    assertThat(execute("run", "--no-progress")).isEqualTo(AblCli.EXIT_SESSION_NOT_SUCCEEDED);
    assertThat(out.toString()).endsWith("final state=CANCELLED\n");
  }

  @Test
  void run_onATerminal_drawsTheBarOnStderrAndKeepsStdoutPlain() {
    int exit = execute(true, "run");

    assertThat(exit).isZero();
    assertThat(err.toString()).contains("training").contains("3/3");
    assertThat(out.toString()).doesNotContain("\r").contains("final state=SUCCEEDED");
  }

  @Test
  void run_invalidChoice_isAUsageErrorListingTheAllowedValues() {
    int exit = execute("run", "--attack", "blended");

    assertThat(exit).isEqualTo(AblCli.EXIT_USAGE);
    assertThat(err.toString()).contains("--attack").contains(
        "expected one of [badnets, blend, cl, dynamic, none, sig, trojan, wanet] but was 'blended'");
    assertThat(server.service.creates).isEmpty();
  }

  @Test
  void run_invalidModelOrUnlearningMode_isAUsageError() {
    assertThat(execute("run", "--model", "wrn-28-10")).isEqualTo(AblCli.EXIT_USAGE);
    assertThat(execute("run", "--unlearning-mode", "ascent")).isEqualTo(AblCli.EXIT_USAGE);

    assertThat(err.toString())
        .contains("expected one of [resnet-18, resnet-34, small-cnn, wrn-16-1] but was 'wrn-28-10'")
        .contains("expected one of [finetune-then-ascent, gga] but was 'ascent'");
    assertThat(server.service.creates).isEmpty();
  }

  @Test
  void run_negatedFlagWithAValue_isAUsageError() {
    assertThat(execute("run", "--no-augmentation=maybe")).isEqualTo(AblCli.EXIT_USAGE);
    assertThat(server.service.creates).isEmpty();
  }

  @Test
  void run_sendsThePriority_zeroWhenNotGiven() {
    execute("run", "--no-progress", "--priority", "-7");
    execute("run", "--no-progress");

    assertThat(server.service.creates).extracting(r -> r.getPriority()).containsExactly(-7, 0);
  }

  @Test
  void connectionOptions_reachTheClientFactoryResolved() {
    List<ConnectionSettings> seen = new ArrayList<>();
    AblCli cli = new AblCli(settings -> {
      seen.add(settings);
      return new AblClient(server.channel, settings.deadline());
    }, Map.of("ABLSERVE_TOKEN", "from-env"));
    CommandLine line = new CommandLine(cli).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));

    line.execute("list", "--ca-cert", "/etc/lab/ca.pem", "--authority", "gpu1.lab");
    line.execute("list", "--tls", "--token", "from-option");
    line.execute("list");

    assertThat(seen).extracting(ConnectionSettings::token, ConnectionSettings::tls,
            ConnectionSettings::caCertificates, ConnectionSettings::authority)
        .containsExactly(
            tuple(Optional.of("from-env"), true, Optional.of(Path.of("/etc/lab/ca.pem")),
                Optional.of("gpu1.lab")),
            tuple(Optional.of("from-option"), true, Optional.empty(), Optional.empty()),
            tuple(Optional.of("from-env"), false, Optional.empty(), Optional.empty()));
  }

  @Test
  void runHelp_listsTheNewOptions() {
    assertThat(execute("run", "--help")).isZero();

    // Descriptions wrap at the terminal width.
    assertThat(out.toString().replaceAll("\\s+", " ")).contains(
        "--attack=KIND", "none, badnets, blend, trojan, sig, wanet, cl or dynamic", "--blend-alpha=ALPHA",
        "--sig-amplitude=DELTA", "--sig-frequency=F", "--wanet-grid-size=K", "--wanet-strength=S",
        "--dynamic-generator-epochs=N", "--dynamic-cross-ratio=RATIO",
        "--wanet-cross-ratio=RATIO", "--model=ARCH", "small-cnn, wrn-16-1, resnet-18 or resnet-34",
        "--defense=abl|none", "--unlearning-mode=MODE", "--unlearning-lr=LR", "--ascent-epochs=N",
        "--ranking=global|per-class", "--[no-]suspect-filtering", "--[no-]augmentation",
        "--[no-]isolation-expansion", "--[no-]isolate-early", "--final-decay-epochs=N", "--priority=N", "--token=TOKEN", "--token-file=FILE", "--tls", "--ca-cert=PEM",
        "--authority=HOST");
  }

  @Test
  void watch_rendersPlainTrainingAndAFilterWithoutPoisons() {
    server.service.addSession(
        Session.newBuilder().setId("base").setState(SessionState.SESSION_STATE_SUCCEEDED).build(),
        List.of(
            ScriptedSessionService.event(0).setPhase(
                PhaseChange.newBuilder().setPhase(Phase.PHASE_TRAINING)).build(),
            ScriptedSessionService.event(1).setEpoch(
                ScriptedSessionService.epoch(0, Phase.PHASE_TRAINING, 0.9, 0.05)).build(),
            ScriptedSessionService.event(2).setFilter(FilterResult.newBuilder().setEpoch(2)
                .setPrecision(Double.NaN).setRecall(Double.NaN).setKeptSize(5940)).build(),
            ScriptedSessionService.state(3, SessionState.SESSION_STATE_SUCCEEDED, "")));

    assertThat(execute("watch", "base", "--no-follow", "--no-progress")).isZero();

    assertThat(out.toString())
        .contains("phase TRAINING from epoch 0\n")
        .contains("epoch 0/? TRAINING    CA  90.00%  ASR   5.00%")
        .contains("filtered 0 suspects from the kept set after epoch 2: precision - recall -,"
            + " 5940 kept\n");
  }

  @Test
  void watch_unconfirmedBackdoor_printsTheVerdictAfterTheRankingAndUnderThePerClassTable() {
    BackdoorVerdict rejected = BackdoorVerdict.newBuilder().setTested(true).setLabel(3)
        .setEvidence(2.31).setThreshold(6).setMargin(-3.69).build();
    SessionConfig targetTwo = SessionConfig.newBuilder().setAttack(AttackSpec.newBuilder()
        .setKind(AttackKind.ATTACK_KIND_BADNETS).setTargetLabel(2)).build();
    server.service.addSession(
        Session.newBuilder().setId("plain").setConfig(targetTwo)
            .setState(SessionState.SESSION_STATE_SUCCEEDED).build(),
        List.of(
            ScriptedSessionService.event(0).setIsolation(IsolationResult.newBuilder().setEpoch(1)
                .addIndices(7).setTrainSize(100).setVerdict(rejected)).build(),
            ScriptedSessionService.event(1).setPhase(
                PhaseChange.newBuilder().setPhase(Phase.PHASE_TRAINING).setEpoch(2)).build(),
            ScriptedSessionService.event(2).setResult(ScriptedSessionService.RESULT.toBuilder()
                .addAllClassAccuracy(List.of(0.9, 0.8, 0.7)).setVerdict(rejected)).build(),
            ScriptedSessionService.state(3, SessionState.SESSION_STATE_SUCCEEDED, "")));

    assertThat(execute("watch", "plain", "--no-follow", "--no-progress")).isZero();

    String verdict = "no backdoor confirmed (evidence 2.31 < threshold 6.00, strongest label 3)\n";
    assertThat(out.toString())
        .contains("isolated 1 of 100 samples after epoch 1 (0 poisoned in the training set):"
            + " precision 0.00% recall 0.00%\n" + verdict + "phase TRAINING from epoch 2\n")
        .containsPattern("(?m)^  class 2 \\(target\\) +70\\.00%$")
        .containsPattern("(?m)^elapsed +1m 23s\\n" + Pattern.quote(verdict) + "final state=SUCCEEDED");
  }

  @Test
  void watch_unknownSession_printsTheGrpcErrorWithoutAStackTrace() {
    int exit = execute("watch", "nope");

    assertThat(exit).isEqualTo(AblCli.EXIT_RPC_ERROR);
    assertThat(err.toString()).isEqualTo("error: NOT_FOUND: session nope not found\n");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void watch_from_sendsFromSequenceAndRendersTheRest() {
    execute("run", "--no-progress");
    out.getBuffer().setLength(0);

    int exit = execute("watch", "s-1", "--from", "5", "--no-follow", "--no-progress");

    assertThat(exit).isZero();
    assertThat(server.service.watches).last().satisfies(request -> {
      assertThat(request.getSessionId()).isEqualTo("s-1");
      assertThat(request.getFromSequence()).isEqualTo(5);
      assertThat(request.getFollow()).isFalse();
    });
    assertThat(out.toString()).doesNotContain("epoch 0/3").contains("epoch 1/3", "epoch 2/3")
        .endsWith("final state=SUCCEEDED ca=0.912300 asr=0.004100 isolation_precision=0.985000"
            + " isolation_recall=0.098500 epochs=3 elapsed_ms=83400\n");
  }

  @Test
  void watch_defaultsToFollowingFromTheStart() {
    execute("run", "--no-progress");

    execute("watch", "s-1", "--no-progress");

    assertThat(server.service.watches).last().satisfies(request -> {
      assertThat(request.getFromSequence()).isZero();
      assertThat(request.getFollow()).isTrue();
    });
  }

  @Test
  void unaryCall_getsTheDeadlineOption() {
    int exit = execute("watch", ScriptedSessionService.HANGING, "--deadline-seconds", "0.2");

    assertThat(deadlines).containsExactly(Duration.ofMillis(200));
    assertThat(exit).isEqualTo(AblCli.EXIT_RPC_ERROR);
    assertThat(err.toString()).startsWith("error: DEADLINE_EXCEEDED: ");
  }

  @Test
  void address_defaultsToLocalhostAndCanBeGiven() {
    assumeThat(System.getenv("ABLSERVE_ADDRESS")).isNull();

    execute("list");
    execute("list", "--address", "trainer:6000");

    assertThat(addresses).containsExactly("127.0.0.1:50051", "trainer:6000");
    assertThat(deadlines).containsOnly(AblClient.DEFAULT_DEADLINE);
  }

  @Test
  void list_printsATableOfSessions() {
    execute("run", "--no-progress", "--name", "demo");
    out.getBuffer().setLength(0);

    assertThat(execute("list")).isZero();

    assertThat(out.toString()).isEqualTo("""
        ID   NAME  STATE      PHASE  EPOCH  QUEUE  PRIO      CA    ASR  CREATED
        s-1  demo  SUCCEEDED  -          0      -     0  91.23%  0.41%  -
        """);
  }

  @Test
  void cancel_ofAFinishedSession_printsFailedPrecondition() {
    execute("run", "--no-progress");

    int exit = execute("cancel", "s-1");

    assertThat(server.service.cancels).extracting(r -> r.getSessionId()).containsExactly("s-1");
    assertThat(exit).isEqualTo(AblCli.EXIT_RPC_ERROR);
    assertThat(err.toString())
        .isEqualTo("error: FAILED_PRECONDITION: session s-1 has already finished\n");
  }

  @Test
  void resume_queuesAnInterruptedSessionAgain_onTheDeviceGivenIfAny() {
    server.service.endCreatedSessionsAs(SessionState.SESSION_STATE_INTERRUPTED);
    execute("run", "--no-progress");
    execute("run", "--no-progress");
    out.getBuffer().setLength(0);

    assertThat(execute("resume", "s-1")).isZero();
    assertThat(execute("resume", "s-2", "--device", "gpu")).isZero();
    int again = execute("resume", "s-2");

    assertThat(server.service.resumes).extracting(r -> r.getSessionId(), r -> r.hasDevice(), r -> r.getDevice())
        .containsExactly(tuple("s-1", false, ""), tuple("s-2", true, "gpu"), tuple("s-2", false, ""));
    assertThat(out.toString()).isEqualTo("""
        session id=s-1 state=QUEUED queue_position=0 priority=0
        session id=s-2 state=QUEUED queue_position=0 priority=0
        """);
    assertThat(again).isEqualTo(AblCli.EXIT_RPC_ERROR);
    assertThat(err.toString()).endsWith(
        "error: FAILED_PRECONDITION: session 's-2' is QUEUED; only INTERRUPTED sessions can be resumed\n");
  }

  @Test
  void noSubcommand_isAUsageError() {
    assertThat(execute()).isEqualTo(AblCli.EXIT_USAGE);
    assertThat(err.toString()).contains("Missing subcommand");
  }

  @Test
  void export_writesTheModelAndPrintsWhatItIs(@TempDir Path dir) {
    execute("run", "--no-progress");
    out.getBuffer().setLength(0);

    int code = execute("export", "s-1", "--out", dir.toString());

    assertThat(code).as(err.toString()).isEqualTo(AblCli.EXIT_OK);
    assertThat(dir.resolve("model-0000.params")).hasBinaryContent(ScriptedResultsService.PARAMS);
    assertThat(dir.resolve("metadata.json")).exists();
    assertThat(out.toString()).contains("model-0000.params (2500 bytes)", "SMALL_CNN", "ca=0.800000");
  }

  @Test
  void export_inSafetensors_writesTheFileForPyTorch(@TempDir Path dir) {
    execute("run", "--no-progress");
    out.getBuffer().setLength(0);

    int code = execute("export", "s-1", "--out", dir.toString(), "--format", "safetensors");

    assertThat(code).as(err.toString()).isEqualTo(AblCli.EXIT_OK);
    assertThat(dir.resolve("model.safetensors")).hasBinaryContent(ScriptedResultsService.SAFETENSORS);
    assertThat(out.toString()).contains("model.safetensors (1700 bytes)");
    assertThat(execute("export", "s-1", "--out", dir.toString(), "--format", "onnx"))
        .isEqualTo(AblCli.EXIT_USAGE);
  }

  @Test
  void evaluate_withAttack_printsOneLineForScripts() {
    execute("run", "--no-progress");
    out.getBuffer().setLength(0);

    int code = execute("evaluate", "s-1", "--attack", "badnets", "--target", "2");

    assertThat(code).as(err.toString()).isEqualTo(AblCli.EXIT_OK);
    assertThat(out.toString()).isEqualTo(
        "clean_accuracy=0.812500 attack_success_rate=0.031250 test_size=1000 triggered_size=900"
            + " dataset=fashion-mnist" + System.lineSeparator());
    assertThat(server.results.evaluations.get(0).hasDataset()).isFalse();
    assertThat(server.results.evaluations.get(0).getAttack().getTargetLabel()).isEqualTo(2);
  }

  @Test
  void run_sendsThePatchPlacementAndTheBlendPattern() {
    execute("run", "--no-progress", "--patch-corner", "Top-Left", "--patch-margin", "2",
        "--blend-pattern", "checkerboard", "--blend-seed", "-5");

    AttackSpec sent = sentConfig().getAttack();
    assertThat(sent.getPatchCorner()).isEqualTo(PatchCorner.PATCH_CORNER_TOP_LEFT);
    assertThat(sent.getPatchMarginPx()).isEqualTo(2);
    assertThat(sent.getBlendPattern()).isEqualTo(BlendPattern.BLEND_PATTERN_CHECKERBOARD);
    assertThat(sent.getBlendSeed()).isEqualTo(-5);
  }

  @Test
  void run_sendsTheLabelModeOnlyWhenGiven() {
    execute("run", "--no-progress", "--attack", "trojan", "--label-mode", "All-To-All");
    execute("run", "--no-progress");

    List<SessionConfig> sent = server.service.creates.stream().map(r -> r.getConfig()).toList();
    assertThat(sent.get(0).getAttack().getLabelMode()).isEqualTo(LabelMode.LABEL_MODE_ALL_TO_ALL);
    assertThat(sent.get(1).getAttack().getLabelMode()).isEqualTo(LabelMode.LABEL_MODE_UNSPECIFIED);
  }

  @Test
  void run_sendsTheClOptions_andLeavesThemUnsetWhenNotGiven() {
    execute("run", "--no-progress", "--attack", "cl", "--cl-epsilon", "4", "--cl-step-size", "0.5",
        "--cl-steps", "20", "--cl-surrogate-epochs", "3", "--no-cl-all-corners");
    execute("run", "--no-progress", "--attack", "cl");

    List<SessionConfig> sent = server.service.creates.stream().map(r -> r.getConfig()).toList();
    assertThat(sent.get(0).getAttack()).isEqualTo(AttackSpec.newBuilder()
        .setKind(AttackKind.ATTACK_KIND_CL).setClEpsilon(4).setClStepSize(0.5).setClSteps(20)
        .setClSurrogateEpochs(3).setClAllCorners(false).build());
    assertThat(sent.get(1).getAttack())
        .isEqualTo(AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_CL).build());
  }

  @Test
  void run_sendsTheDynamicOptions_andLeavesThemUnsetWhenNotGiven() {
    execute("run", "--no-progress", "--attack", "dynamic", "--dynamic-generator-epochs", "5",
        "--dynamic-mask-epochs", "0", "--dynamic-cross-ratio", "0.5", "--dynamic-mask-density", "0.1");
    execute("run", "--no-progress", "--attack", "dynamic");

    List<SessionConfig> sent = server.service.creates.stream().map(r -> r.getConfig()).toList();
    assertThat(sent.get(0).getAttack()).isEqualTo(AttackSpec.newBuilder()
        .setKind(AttackKind.ATTACK_KIND_DYNAMIC).setDynamicGeneratorEpochs(5).setDynamicMaskEpochs(0)
        .setDynamicCrossRatio(0.5).setDynamicMaskDensity(0.1).build());
    assertThat(sent.get(1).getAttack())
        .isEqualTo(AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_DYNAMIC).build());
  }

  @Test
  void run_leavesThePlacementAndPatternUnsetWhenNotGiven() {
    execute("run", "--no-progress");

    AttackSpec sent = sentConfig().getAttack();
    assertThat(sent.getPatchCorner()).isEqualTo(PatchCorner.PATCH_CORNER_UNSPECIFIED);
    assertThat(sent.hasPatchMarginPx()).isFalse();
    assertThat(sent.getBlendPattern()).isEqualTo(BlendPattern.BLEND_PATTERN_UNSPECIFIED);
    assertThat(sent.hasBlendSeed()).isFalse();
  }

  @Test
  void evaluate_theSessionsOwnAttackKind_takesItsTargetAndTrigger() {
    execute("run", "--no-progress", "--attack", "badnets", "--target", "7", "--patch-size", "5");

    int code = execute("evaluate", "s-1", "--attack", "badnets");

    assertThat(code).as(err.toString()).isEqualTo(AblCli.EXIT_OK);
    AttackSpec measured = server.results.evaluations.get(0).getAttack();
    assertThat(measured.getKind()).isEqualTo(AttackKind.ATTACK_KIND_BADNETS);
    assertThat(measured.getTargetLabel()).isEqualTo(7);
    assertThat(measured.getPatchSizePx()).isEqualTo(5);
  }

  @Test
  void evaluate_anotherAttackKindWithoutTarget_isRefusedRatherThanGuessed() {
    execute("run", "--no-progress", "--attack", "badnets", "--target", "7");

    int code = execute("evaluate", "s-1", "--attack", "blend");

    assertThat(code).isEqualTo(AblCli.EXIT_USAGE);
    assertThat(err.toString()).contains(
        "session s-1 was trained with attack badnets, not blend: give --target CLASS");
    assertThat(server.results.evaluations).isEmpty();
  }

  @Test
  void thumbnails_writesTheServersSamplesAsAFramedGridAndListsThem(@TempDir Path dir)
      throws Exception {
    server.service.addSession(Session.newBuilder().setId("t-1")
        .setState(SessionState.SESSION_STATE_SUCCEEDED).build(), List.of());
    Path png = dir.resolve("grid.png");

    int code = execute("thumbnails", "t-1", "--png", png.toString(), "--columns", "2", "--scale", "2");

    assertThat(code).as(err.toString()).isZero();
    BufferedImage grid = ImageIO.read(png.toFile());
    int cell = 28 * 2 + 2 * SampleGrid.BORDER_PX;
    assertThat(grid.getWidth()).isEqualTo(2 * cell);
    assertThat(grid.getHeight()).isEqualTo(2 * cell); // three samples, two a row
    assertThat(new Color(grid.getRGB(cell, 0)).getRed()).as("poisoned: a red frame").isGreaterThan(200);
    assertThat(new Color(grid.getRGB(0, 0)).getRed()).as("clean: a grey frame").isLessThan(160);
    // The poisoned sample's white corner pixel, scaled 2x, sits inside its frame.
    int corner = cell + SampleGrid.BORDER_PX + 27 * 2;
    assertThat(grid.getRGB(corner, SampleGrid.BORDER_PX + 27 * 2) & 0xffffff).isEqualTo(0xffffff);
    assertThat(out.toString())
        .contains("wrote " + png + ": 3 of 3 isolated samples of session t-1")
        .contains("0 index=0 label=0 true_label=0 poisoned=false loss=0.1250")
        .contains("1 index=10 label=0 true_label=1 poisoned=true loss=-");
  }

  @Test
  void thumbnails_refusesMoreThan256AndAClassWithoutLabel(@TempDir Path dir) {
    Path png = dir.resolve("grid.png");

    assertThat(execute("thumbnails", "x", "--png", png.toString(), "--max", "257"))
        .isEqualTo(AblCli.EXIT_USAGE);
    assertThat(err.toString()).contains("--max must be in [1, 256], got 257");
    assertThat(execute("thumbnails", "x", "--png", png.toString(), "--set", "class"))
        .isEqualTo(AblCli.EXIT_USAGE);
    assertThat(err.toString()).contains("--set class needs --label CLASS");
    assertThat(png).doesNotExist();
  }

  @Test
  void commandsTakingAnId_acceptAUniquePrefix() {
    server.service.addSession(Session.newBuilder().setId("5f3c9a-long-id")
        .setState(SessionState.SESSION_STATE_SUCCEEDED).build(), List.of());

    assertThat(execute("evaluate", "5f3c")).as(err.toString()).isZero();

    assertThat(server.results.evaluations.get(0).getSessionId()).isEqualTo("5f3c9a-long-id");
  }

  @Test
  void cancel_waitsUntilCancelledUnlessNoWait() {
    server.service.addSession(Session.newBuilder().setId("r-1")
        .setState(SessionState.SESSION_STATE_RUNNING).build(), List.of());
    server.service.addSession(Session.newBuilder().setId("r-2")
        .setState(SessionState.SESSION_STATE_RUNNING).build(), List.of());

    assertThat(execute("cancel", "r-1")).isZero();
    assertThat(execute("cancel", "r-2", "--no-wait")).isZero();

    assertThat(out.toString()).contains("session id=r-1 state=CANCELLED", "session id=r-2 state=RUNNING");
  }

  @Test
  void address_withoutPort_meansTheDefaultPort() {
    execute("list", "--address", "localhost");

    assertThat(addresses).containsExactly("localhost:50051");
  }

  @Test
  void export_unknownSession_printsTheErrorAndExitsWithRpcError(@TempDir Path dir) {
    int code = execute("export", "nope", "--out", dir.toString());

    assertThat(code).isEqualTo(AblCli.EXIT_RPC_ERROR);
    assertThat(err.toString()).contains("error: NOT_FOUND: session nope not found");
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void run_takesTheProtoFieldNames_asTheOptionsOwnNamesDo() {
    assertThat(execute("run", "--no-progress", "--display-name", "aliases", "--attack-kind", "blend",
        "--target-label", "3", "--patch-size-px", "4", "--patch-margin-px", "2", "--learning-rate", "0.05",
        "--isolation-loss", "flooding", "--lga-gamma", "0.4", "--unlearning-learning-rate", "0.001",
        "--defense", "fp", "--clean-data-count", "100", "--fine-tuning-epochs", "3",
        "--fine-tuning-learning-rate", "0.002", "--max-accuracy-drop", "0.02", "--max-prune-ratio", "0.5"))
        .isZero();
    assertThat(execute("run", "--no-progress", "--name", "aliases", "--attack", "blend", "--target", "3",
        "--patch-size", "4", "--patch-margin", "2", "--lr", "0.05", "--loss", "flooding", "--gamma", "0.4",
        "--unlearning-lr", "0.001", "--defense", "fp", "--clean-count", "100", "--finetune-epochs", "3",
        "--finetune-lr", "0.002", "--prune-max-accuracy-drop", "0.02", "--prune-max-ratio", "0.5"))
        .isZero();

    List<SessionConfig> sent = server.service.creates.stream().map(r -> r.getConfig()).toList();
    assertThat(sent.get(0)).isEqualTo(sent.get(1));
    SessionConfig config = sent.get(0);
    assertThat(config.getDisplayName()).isEqualTo("aliases");
    assertThat(config.getAttack()).isEqualTo(AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_BLEND)
        .setTargetLabel(3).setPatchSizePx(4).setPatchMarginPx(2).build());
    assertThat(config.getAbl()).isEqualTo(AblConfig.newBuilder().setLearningRate(0.05)
        .setIsolationLoss(IsolationLoss.ISOLATION_LOSS_FLOODING).setLgaGamma(0.4).setUnlearningLearningRate(0.001)
        .setDefense(Defense.DEFENSE_FP).build());
    assertThat(config.getCleanData()).isEqualTo(CleanData.newBuilder().setCount(100).build());
    assertThat(config.getFineTuning()).isEqualTo(FineTuning.newBuilder().setEpochs(3).setLearningRate(0.002).build());
    assertThat(config.getFinePruning())
        .isEqualTo(FinePruning.newBuilder().setMaxAccuracyDrop(0.02).setMaxPruneRatio(0.5).build());
  }

  @Test
  void run_hasAnOptionNamedForEveryFieldOfTheAblAndAttackMessages() {
    var run = new CommandLine(new AblCli()).getSubcommands().get("run").getCommandSpec();
    for (var message : List.of(AblConfig.getDescriptor(), AttackSpec.getDescriptor())) {
      for (var field : message.getFields()) {
        String option = "--" + (field.getName().equals("kind") ? "attack-kind" : field.getName().replace('_', '-'));
        assertThat(run.findOption(option)).as(option).isNotNull();
      }
    }
  }

  @Test
  void run_choicesTakeAnyCaseWithHyphensOrUnderscores_asThePythonClientsNames() {
    String[][] choices = {
      {"--model", "small_cnn"}, {"--model", "SMALL-CNN"}, {"--model", "Small_Cnn"}, {"--attack", "BadNets"},
      {"--unlearning-mode", "finetune_then_ascent"}, {"--label-mode", "ALL_TO_ALL"},
      {"--patch-corner", "top_left"}, {"--loss-reduction", "Per_Sample"},
    };
    for (String[] choice : choices) {
      assertThat(execute("run", "--no-progress", choice[0], choice[1])).as(choice[1]).isZero();
    }

    List<SessionConfig> sent = server.service.creates.stream().map(r -> r.getConfig()).toList();
    assertThat(sent.subList(0, 3)).extracting(c -> c.getModel().getArch())
        .containsOnly(ModelArch.MODEL_ARCH_SMALL_CNN);
    assertThat(sent.get(3).getAttack().getKind()).isEqualTo(AttackKind.ATTACK_KIND_BADNETS);
    assertThat(sent.get(4).getAbl().getUnlearningMode())
        .isEqualTo(UnlearningMode.UNLEARNING_MODE_FINETUNE_THEN_ASCENT);
    assertThat(sent.get(5).getAttack().getLabelMode()).isEqualTo(LabelMode.LABEL_MODE_ALL_TO_ALL);
    assertThat(sent.get(6).getAttack().getPatchCorner()).isEqualTo(PatchCorner.PATCH_CORNER_TOP_LEFT);
    assertThat(sent.get(7).getAbl().getLossReduction()).isEqualTo(LossReduction.LOSS_REDUCTION_PER_SAMPLE);
  }

  @Test
  void run_sendsEveryIsolationSignalTheApiHas_andRefusesAnUnknownOne() {
    List<IsolationSignal> expected = new ArrayList<>();
    for (IsolationSignal signal : IsolationSignal.values()) {
      if (signal == IsolationSignal.ISOLATION_SIGNAL_UNSPECIFIED || signal == IsolationSignal.UNRECOGNIZED) {
        continue;
      }
      String name = signal.name().substring("ISOLATION_SIGNAL_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
      assertThat(execute("run", "--no-progress", "--isolation-signal", name.toUpperCase(Locale.ROOT))).isZero();
      expected.add(signal);
    }

    assertThat(server.service.creates).extracting(r -> r.getConfig().getAbl().getIsolationSignal())
        .containsExactlyElementsOf(expected)
        .contains(IsolationSignal.ISOLATION_SIGNAL_LOSS_DROP, IsolationSignal.ISOLATION_SIGNAL_SPECTRAL);
    assertThat(execute("run", "--no-progress", "--isolation-signal", "entropy")).isNotZero();
    assertThat(err.toString()).contains("expected one of [combined, loss, loss-drop, spectral, transform-sensitivity]");
    assertThat(server.service.creates).hasSize(expected.size());
  }
}
