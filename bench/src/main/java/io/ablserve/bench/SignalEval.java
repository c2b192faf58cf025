package io.ablserve.bench;

import ai.djl.Device;
import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.AttackKind;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetRef;
import io.ablserve.server.model.ModelArch;
import io.ablserve.server.train.AblConfig;
import io.ablserve.server.train.Defense;
import io.ablserve.server.train.Experiment;
import io.ablserve.server.train.ExperimentRunner;
import io.ablserve.server.train.SignalMeasurement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Every isolation signal side by side on one poisoned training set: ABL's isolation epochs once, then each
 * signal's pick, AUROC and backdoor-check verdict at the turn (bench/isolation-signals.sh).
 */
@Command(name = "signal-eval", mixinStandardHelpOptions = true)
public final class SignalEval implements Callable<Integer> {
  @Option(names = "--dataset-dir", defaultValue = "/usr/share/datasets/fashion-mnist")
  Path datasetDir;

  @Option(names = "--train-limit", defaultValue = "10000")
  int trainLimit;

  @Option(names = "--test-limit", defaultValue = "2000")
  int testLimit;

  @Option(names = "--attack", defaultValue = "BADNETS")
  AttackKind attack;

  @Option(names = "--poison-rate", defaultValue = "0.1")
  double poisonRate;

  @Option(names = "--target", defaultValue = "0")
  int target;

  @Option(names = "--seed", defaultValue = "1")
  long seed;

  @Option(names = "--label", defaultValue = "")
  String label;

  @Option(names = "--results", description = "JSON-lines file the row is appended to")
  Path results;

  @Override
  public Integer call() throws IOException {
    AblConfig abl = AblConfig.builder().defense(Defense.ABL).build();
    Experiment experiment =
        new Experiment(
            new DatasetRef("fashion-mnist", trainLimit, testLimit), AttackConfig.of(attack, target, poisonRate),
            ModelArch.SMALL_CNN, abl, seed);
    String[] row = new String[1];
    ExperimentRunner runner =
        new ExperimentRunner(
            new DatasetCatalog(Map.of("fashion-mnist", datasetDir)),
            Map.of(Defense.ABL, new SignalMeasurement(s -> row[0] = s)));
    runner.run(experiment, Device.cpu(), new AblEval.Curves(System.out), () -> false);
    String line =
        String.format(
            Locale.ROOT, "{\"label\":\"%s\",\"attack\":\"%s\",\"poison_rate\":%s,\"target\":%d,\"seed\":%d,"
                + "\"isolation_epochs\":%d,\"signals\":%s}",
            label, attack, poisonRate, target, seed, abl.isolationEpochs(), row[0]);
    System.out.println(line);
    if (results != null) {
      try {
        Files.writeString(results, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return 0;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new SignalEval()).execute(args));
  }
}
