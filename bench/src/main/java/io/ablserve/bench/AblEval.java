package io.ablserve.bench;

import ai.djl.Device;
import io.ablserve.server.DefenseModule;
import io.ablserve.server.train.AblConfig;
import io.ablserve.server.train.Defense;
import io.ablserve.server.train.EpochReport;
import io.ablserve.server.train.Experiment;
import io.ablserve.server.train.ExperimentRunner;
import io.ablserve.server.train.FilterReport;
import io.ablserve.server.train.IsolationLossKind;
import io.ablserve.server.train.IsolationSignal;
import io.ablserve.server.train.IsolationReport;
import io.ablserve.server.train.LossReduction;
import io.ablserve.server.train.Ranking;
import io.ablserve.server.train.SuspectTreatment;
import io.ablserve.server.train.TrainingListener;
import io.ablserve.server.train.TrainingOutcome;
import io.ablserve.server.train.UnlearningMode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * One ABL evaluation run in process (the training core, no server): prints per-epoch curves and appends a
 * result row (JSON lines) for bench/abl-eval.sh to tabulate.
 */
@Command(name = "abl-eval", mixinStandardHelpOptions = true)
public final class AblEval implements Callable<Integer> {
  @Mixin EvalCell cell;

  @Option(names = "--defense", defaultValue = "ABL")
  Defense defense;

  @Option(names = "--mode", description = "GGA or FINETUNE_THEN_ASCENT; unset: the default")
  UnlearningMode mode;

  @Option(names = "--ranking")
  Ranking ranking;

  @Option(names = "--isolation-signal", description = "${COMPLETION-CANDIDATES}; unset: the default")
  IsolationSignal isolationSignal;

  @Option(names = "--suspect-treatment", description = "DROP or PSEUDO_LABEL; unset: the default")
  SuspectTreatment suspectTreatment;

  @Option(names = "--reduction", description = "PER_SAMPLE or BATCH_MEAN; unset: the default")
  LossReduction reduction;

  @Option(names = "--loss", description = "LGA or FLOODING; unset: the default")
  IsolationLossKind loss;

  @Option(names = "--gamma")
  Double gamma;

  @Option(names = "--epochs")
  Integer epochs;

  @Option(names = "--isolation-epochs")
  Integer isolationEpochs;

  @Option(names = "--isolation-ratio")
  Double isolationRatio;

  @Option(names = "--lr")
  Double learningRate;

  @Option(names = "--unlearning-lr")
  Double unlearningLearningRate;

  @Option(names = "--unlearning-weight")
  Double unlearningWeight;

  @Option(names = "--ascent-epochs")
  Integer ascentEpochs;

  @Option(names = "--batch-size")
  Integer batchSize;

  @Option(names = "--filter", negatable = true, description = "suspect filtering; unset: the default")
  Boolean filter;

  @Option(names = "--expand", negatable = true, description = "isolation expansion; unset: the default")
  Boolean expand;

  @Option(names = "--isolate-early", negatable = true, description = "early isolation; unset: the default")
  Boolean isolateEarly;

  @Option(names = "--trigger-probe", negatable = true, description = "the trigger probe; unset: the default")
  Boolean triggerProbe;

  @Option(
      names = "--retrain-unconfirmed",
      negatable = true,
      description = "retrain from the initial weights when nothing is confirmed; unset: the default")
  Boolean retrainUnconfirmed;

  @Option(names = "--final-decay-epochs", description = "epochs at a tenth of the learning rate; unset: the default")
  Integer finalDecayEpochs;

  @Option(names = "--augment", negatable = true)
  Boolean augment;

  @Override
  public Integer call() throws IOException {
    AblConfig.Builder b = AblConfig.builder().defense(defense);
    if (epochs != null) b.epochs(epochs);
    if (isolationEpochs != null) b.isolationEpochs(isolationEpochs);
    if (isolationRatio != null) b.isolationRatio(isolationRatio);
    if (learningRate != null) b.learningRate(learningRate);
    if (mode != null) b.unlearningMode(mode);
    if (expand != null) b.isolationExpansion(expand);
    if (isolateEarly != null) b.isolateEarly(isolateEarly);
    if (triggerProbe != null) b.triggerProbe(triggerProbe);
    if (retrainUnconfirmed != null) b.retrainUnconfirmed(retrainUnconfirmed);
    if (finalDecayEpochs != null) b.finalDecayEpochs(finalDecayEpochs);
    if (ranking != null) b.ranking(ranking);
    if (isolationSignal != null) b.isolationSignal(isolationSignal);
    if (suspectTreatment != null) b.suspectTreatment(suspectTreatment);
    if (reduction != null) b.lossReduction(reduction);
    if (loss != null) b.isolationLoss(loss);
    if (gamma != null) b.lgaGamma(gamma).floodingLevel(gamma);
    if (unlearningWeight != null) b.unlearningWeight(unlearningWeight);
    if (ascentEpochs != null) b.ascentEpochs(ascentEpochs);
    if (batchSize != null) b.batchSize(batchSize);
    if (filter != null) b.suspectFiltering(filter);
    if (augment != null) b.augmentation(augment);
    AblConfig draft = b.build();
    b.unlearningLearningRate(
        unlearningLearningRate != null
            ? unlearningLearningRate
            : AblConfig.defaultUnlearningLearningRate(draft.unlearningMode(), draft.learningRate()));
    AblConfig abl = b.build();
    Experiment experiment = cell.experiment(abl);
    ExperimentRunner runner = new ExperimentRunner(cell.catalog(), DefenseModule.strategies());
    Curves curves = new Curves(System.out);
    TrainingOutcome outcome = runner.run(experiment, Device.cpu(), curves, () -> false);
    String row =
        String.format(
            Locale.ROOT,
            "{\"label\":\"%s\",\"attack\":\"%s\",\"poison_rate\":%s,\"defense\":\"%s\",\"mode\":\"%s\","
                + "\"epochs\":%d,\"isolation_epochs\":%d,\"turning_epoch\":%d,\"ca\":%.4f,\"asr\":%.4f,\"precision\":%.4f,"
                + "\"recall\":%.4f,\"expanded\":%d,\"expansion_precision\":%.4f,\"expansion_recall\":%.4f,"
                + "\"filter_removed\":%d,\"filter_precision\":%.4f,\"filter_recall\":%.4f,"
                + "\"elapsed_ms\":%d,\"target\":%d,\"seed\":%d,\"target_ca\":%.4f,\"min_class_ca\":%.4f,"
                + "\"verdict\":\"%s\",\"verdict_label\":%d,\"evidence\":%.3f,\"margin\":%.3f,"
                + "\"ascended\":%d,\"suspects\":%d,\"class_evidence\":\"%s\",\"class_ca\":\"%s\",\"curves\":\"%s\"}",
            cell.label, cell.attack, cell.poisonRate, defense, abl.unlearningMode(), abl.epochs(), abl.isolationEpochs(),
            curves.turningEpoch, outcome.cleanAccuracy(), outcome.attackSuccessRate(), outcome.isolationPrecision(),
            outcome.isolationRecall(), curves.expanded, curves.expansionPrecision, curves.expansionRecall,
            curves.filterRemoved, curves.filterPrecision, curves.filterRecall,
            outcome.elapsedMs(), cell.target, cell.seed, classAt(outcome.classAccuracy(), cell.target),
            Arrays.stream(outcome.classAccuracy()).min().orElse(Double.NaN),
            !outcome.verdict().tested() ? "untested" : outcome.verdict().confirmed() ? "confirmed" : "none",
            outcome.verdict().label(), outcome.verdict().evidence(), outcome.verdict().margin(),
            outcome.verdict().ascendedCount(), outcome.verdict().suspectCount(),
            join(outcome.verdict().classEvidence()), join(outcome.classAccuracy()),
            curves.compact.toString().trim());
    cell.emit(row);
    return 0;
  }

  private static double classAt(double[] values, int index) {
    return index < values.length ? values[index] : Double.NaN;
  }

  private static String join(double[] values) {
    return Arrays.stream(values)
        .mapToObj(v -> String.format(Locale.ROOT, "%.3f", v))
        .collect(Collectors.joining(" "));
  }

  /** Prints each epoch and keeps a compact curve (epoch:CA/ASR/poison loss/clean loss). */
  static final class Curves implements TrainingListener {
    final PrintStream out;
    final StringBuilder compact = new StringBuilder();
    int filterRemoved;
    double filterPrecision = Double.NaN;
    double filterRecall = Double.NaN;
    int expanded;
    int turningEpoch = -1;
    double expansionPrecision = Double.NaN;
    double expansionRecall = Double.NaN;

    Curves(PrintStream out) {
      this.out = out;
    }

    @Override
    public void onEpoch(EpochReport r) {
      out.printf(
          Locale.ROOT, "epoch %2d %-10s CA %.4f ASR %.4f loss poisoned %.3f clean %.3f  isolating now %.2f  %.0f img/s%n",
          r.epoch(), r.phase(), r.cleanAccuracy(), r.attackSuccessRate(), r.meanLossPoisoned(),
          r.meanLossClean(), r.isolationPrecision(), r.imagesPerSecond());
      compact.append(
          String.format(
              Locale.ROOT, "%d:%.3f/%.3f/%.3f/%.3f ", r.epoch(), r.cleanAccuracy(), r.attackSuccessRate(),
              r.meanLossPoisoned(), r.meanLossClean()));
    }

    @Override
    public void onIsolation(IsolationReport r) {
      turningEpoch = r.epoch();
      out.printf(
          Locale.ROOT, "isolated %d: precision %.4f recall %.4f%n", r.indices().length, r.precision(),
          r.recall());
    }

    @Override
    public void onFilter(FilterReport r) {
      if (r.expansion()) {
        expanded = r.removedCount();
        expansionPrecision = r.precision();
        expansionRecall = r.recall();
        out.printf(
            Locale.ROOT, "expanded %d: precision %.4f recall %.4f%n", r.removedCount(), r.precision(),
            r.recall());
        return;
      }
      filterRemoved = r.removedCount();
      filterPrecision = r.precision();
      filterRecall = r.recall();
      out.printf(
          Locale.ROOT, "filtered %d: precision %.4f recall %.4f%n", r.removedCount(), r.precision(),
          r.recall());
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new AblEval()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
  }
}
