package io.ablserve.bench;

import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.AttackKind;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetRef;
import io.ablserve.server.model.ModelArch;
import io.ablserve.server.train.AblConfig;
import io.ablserve.server.train.Experiment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * One cell of the evaluation grid, the options every in-process evaluation main shares (a picocli mixin):
 * Fashion-MNIST cut to a size, an attack at a rate on a target, a seed, and where its row goes.
 */
final class EvalCell {
  @Option(names = "--dataset-dir", defaultValue = "/usr/share/datasets/fashion-mnist")
  Path datasetDir;

  @Option(names = "--train-limit", defaultValue = "0")
  int trainLimit;

  @Option(names = "--test-limit", defaultValue = "0")
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

  @Option(names = "--results", description = "JSON-lines file the result row is appended to")
  Path results;

  /** The cell's experiment: the small CNN trained per {@code abl}. */
  Experiment experiment(AblConfig abl) {
    return new Experiment(
        new DatasetRef("fashion-mnist", trainLimit, testLimit), AttackConfig.of(attack, target, poisonRate),
        ModelArch.SMALL_CNN, abl, seed);
  }

  DatasetCatalog catalog() {
    return new DatasetCatalog(Map.of("fashion-mnist", datasetDir));
  }

  /** Prints {@code row} (NaN written as JSON null) and appends it to {@code --results} when given. */
  void emit(String row) throws IOException {
    String line = row.replace("NaN", "null");
    System.out.println(line);
    if (results != null) {
      Files.writeString(results, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
  }
}
