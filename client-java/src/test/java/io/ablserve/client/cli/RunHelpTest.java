package io.ablserve.client.cli;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.LabelConsistentParams;
import io.ablserve.server.train.AblConfig;
import io.ablserve.server.train.FineTuning;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code run --help} says what each option defaults to, and the server defaults it quotes are the server's. */
class RunHelpTest {
  private final CommandLine run = new CommandLine(new AblCli()).getSubcommands().get("run");

  private String description(String option) {
    return String.join(" ", run.getCommandSpec().findOption(option).description());
  }

  @Test
  void runHelp_showsTheDefaultOfEveryOptionThatTakesAValue() {
    StringWriter help = new StringWriter();
    run.usage(new PrintWriter(help));

    for (var option : run.getCommandSpec().options()) {
      if (option.arity().max() > 0) { // takes a value; flags are off unless given
        assertThat(String.join(" ", option.description()))
            .as(option.longestName()).containsPattern("\\b(server )?default: \\S");
      }
    }
    assertThat(help.toString()).contains("(server default: 10)", "default: 127.0.0.1:50051");
    assertThat(description("--dataset")).contains("(server default: fashion-mnist)");
    assertThat(description("--cl-epsilon")).contains(String.format(
        "(server default: %.0f for colour images, %.0f for grey)", LabelConsistentParams.RGB_EPSILON,
        LabelConsistentParams.GREY_EPSILON));
  }

  @Test
  void runHelp_quotesTheServersOwnDefaults() {
    AblConfig abl = AblConfig.DEFAULTS;
    AttackConfig attack = AttackConfig.DEFAULTS;
    Map<String, Object> serverDefaults = Map.ofEntries(
        entry("--attack", attack.kind()), entry("--target", attack.targetLabel()),
        entry("--poison-rate", attack.poisonRate()), entry("--label-mode", attack.labelMode()), entry("--patch-size", attack.patchSizePx()),
        entry("--blend-alpha", attack.blendAlpha()), entry("--patch-corner", attack.patchCorner()),
        entry("--patch-margin", attack.patchMarginPx()), entry("--blend-pattern", attack.blendPattern()),
        entry("--blend-seed", attack.blendSeed()), entry("--sig-amplitude", attack.sigAmplitude()),
        entry("--sig-frequency", attack.sigFrequency()),
        entry("--wanet-grid-size", attack.wanetGridSize()),
        entry("--wanet-strength", attack.wanetStrength()),
        entry("--wanet-cross-ratio", attack.wanetCrossRatio()),
        entry("--cl-step-size", attack.cl().stepSize()), entry("--cl-steps", attack.cl().steps()),
        entry("--cl-surrogate-epochs", attack.cl().surrogateEpochs()),
        entry("--cl-all-corners", attack.cl().allCorners()),
        entry("--dynamic-generator-epochs", attack.dynamic().generatorEpochs()),
        entry("--dynamic-mask-epochs", attack.dynamic().maskEpochs()),
        entry("--dynamic-cross-ratio", attack.dynamic().crossRatio()),
        entry("--dynamic-mask-density", attack.dynamic().maskDensity()),
        entry("--defense", abl.defense()), entry("--epochs", abl.epochs()),
        entry("--isolation-epochs", abl.isolationEpochs()),
        entry("--isolation-ratio", abl.isolationRatio()), entry("--loss", abl.isolationLoss()),
        entry("--loss-reduction", abl.lossReduction()), entry("--gamma", abl.lgaGamma()),
        entry("--flooding-level", abl.floodingLevel()), entry("--ranking", abl.ranking()),
        entry("--lr", abl.learningRate()), entry("--momentum", abl.momentum()),
        entry("--weight-decay", abl.weightDecay()), entry("--unlearning-mode", abl.unlearningMode()),
        entry("--ascent-epochs", abl.ascentEpochs()),
        entry("--unlearning-weight", abl.unlearningWeight()),
        entry("--suspect-filtering", abl.suspectFiltering()),
        entry("--isolation-expansion", abl.isolationExpansion()),
        entry("--isolate-early", abl.isolateEarly()),
        entry("--trigger-probe", abl.triggerProbe()),
        entry("--retrain-unconfirmed", abl.retrainUnconfirmed()),
        entry("--final-decay-epochs", abl.finalDecayEpochs()),
        entry("--augmentation", abl.augmentation()), entry("--batch-size", abl.batchSize()),
        entry("--step-report-interval", abl.stepReportInterval()),
        entry("--nad-teacher-epochs", FineTuning.DEFAULTS.teacherEpochs()),
        entry("--nad-beta", FineTuning.DEFAULTS.distillationWeight()),
        entry("--mcr-curve-epochs", FineTuning.DEFAULTS.curveEpochs()),
        entry("--mcr-t", FineTuning.DEFAULTS.curvePoint()));

    serverDefaults.forEach((option, value) ->
        assertThat(description(option)).as(option).contains("(server default: " + shown(value) + ")"));
  }

  /** A default as the help writes it: 0.0001 not 1.0E-4, 20 not 20.0, on/off, batch-mean. */
  private static String shown(Object value) {
    if (value instanceof Double d) {
      return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }
    if (value instanceof Boolean b) {
      return b ? "on" : "off";
    }
    if (value instanceof Enum<?> e) {
      return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
    return value.toString();
  }
}
