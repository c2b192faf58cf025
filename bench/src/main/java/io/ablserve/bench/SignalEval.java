package io.ablserve.bench;

import ai.djl.Device;
import io.ablserve.server.IsolationModule;
import io.ablserve.server.train.AblConfig;
import io.ablserve.server.train.Defense;
import io.ablserve.server.train.Experiment;
import io.ablserve.server.train.ExperimentRunner;
import io.ablserve.server.train.SignalMeasurement;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * Every isolation signal side by side on one poisoned training set: ABL's isolation epochs once, then each
 * signal's pick, AUROC and backdoor-check verdict at the turn (bench/isolation-signals.sh).
 */
@Command(name = "signal-eval", mixinStandardHelpOptions = true)
public final class SignalEval implements Callable<Integer> {
  @Mixin EvalCell cell;

  @Override
  public Integer call() throws IOException {
    AblConfig abl = AblConfig.builder().defense(Defense.ABL).build();
    Experiment experiment = cell.experiment(abl);
    String[] row = new String[1];
    ExperimentRunner runner =
        new ExperimentRunner(
            cell.catalog(),
            Map.of(Defense.ABL, new SignalMeasurement(IsolationModule.scorers(), s -> row[0] = s)));
    runner.run(experiment, Device.cpu(), new AblEval.Curves(System.out), () -> false);
    cell.emit(
        String.format(
            Locale.ROOT, "{\"label\":\"%s\",\"attack\":\"%s\",\"poison_rate\":%s,\"target\":%d,\"seed\":%d,"
                + "\"isolation_epochs\":%d,\"signals\":%s}",
            cell.label, cell.attack, cell.poisonRate, cell.target, cell.seed, abl.isolationEpochs(), row[0]));
    return 0;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new SignalEval()).execute(args));
  }
}
