package io.ablserve.client.cli;

import io.ablserve.client.AblClient;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.EvaluateResponse;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Prints one line for scripts: {@code clean_accuracy=... attack_success_rate=... test_size=...}. */
@Command(
    name = "evaluate",
    description = "Evaluate a succeeded session's model on a test set (and a triggered one with --attack).")
final class EvaluateCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "ID", description = "Session id.")
  String sessionId;

  @Option(names = "--dataset", paramLabel = "NAME",
      description = "Dataset whose test split to use (default: the session's own test set).")
  String dataset;

  @Option(names = "--test-limit", paramLabel = "N",
      description = "Evaluate on the first N test samples only (with --dataset: 0 = all).")
  Integer testLimit;

  @Option(names = "--attack", paramLabel = "KIND", converter = ChoiceConverter.AttackChoice.class,
      description = "Also the attack success rate of this trigger: badnets, blend, trojan, sig or wanet.")
  AttackKind attack;

  @Option(names = "--target", paramLabel = "CLASS", description = "The attack's target class.")
  Integer targetLabel;

  @Override
  int run(AblClient client, PrintWriter out, PrintWriter err) {
    DatasetSpec datasetSpec = null;
    if (dataset != null || testLimit != null) {
      DatasetSpec.Builder b = DatasetSpec.newBuilder();
      if (dataset != null) {
        b.setName(dataset);
      }
      if (testLimit != null) {
        b.setTestLimit(testLimit);
      }
      datasetSpec = b.build();
    }
    AttackSpec attackSpec = null;
    if (attack != null || targetLabel != null) {
      AttackSpec.Builder b = AttackSpec.newBuilder();
      if (attack != null) {
        b.setKind(attack);
      }
      if (targetLabel != null) {
        b.setTargetLabel(targetLabel);
      }
      attackSpec = b.build();
    }
    EvaluateResponse r = client.evaluate(sessionId, datasetSpec, attackSpec);
    out.printf(Locale.ROOT,
        "clean_accuracy=%.6f attack_success_rate=%.6f test_size=%d triggered_size=%d dataset=%s%n",
        r.getCleanAccuracy(), r.getAttackSuccessRate(), r.getTestSize(), r.getTriggeredSize(),
        r.getDataset());
    return AblCli.EXIT_OK;
  }
}
