package io.ablserve.client.cli;

import io.ablserve.client.AblClient;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.EvaluateResponse;
import io.ablserve.v1.Session;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** Prints one line for scripts: {@code clean_accuracy=... attack_success_rate=... test_size=...}. */
@Command(
    name = "evaluate",
    description = "Evaluate a succeeded session's model on a test set (and a triggered one with --attack).")
final class EvaluateCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "ID", description = "Session id, or a unique prefix of it.")
  String sessionId;

  @Option(names = "--dataset", paramLabel = "NAME",
      description = "Dataset whose test split to use (default: the session's own test set).")
  String dataset;

  @Option(names = "--test-limit", paramLabel = "N",
      description = "Evaluate on the first N test samples only, 0 for all (default: the session's"
          + " own limit; with --dataset, all).")
  Integer testLimit;

  @Option(names = "--attack", paramLabel = "KIND", converter = ChoiceConverter.AttackChoice.class,
      description = "Also the attack success rate of this trigger: badnets, blend, trojan, sig, wanet or cl."
          + " The session's own kind means its attack as trained (target and trigger); another kind"
          + " needs --target and takes the server's default trigger.")
  AttackKind attack;

  @Option(names = "--target", paramLabel = "CLASS",
      description = "The attack's target class (default: the session's, for its own attack kind).")
  Integer targetLabel;

  @Override
  int run(AblClient client, PrintWriter out, PrintWriter err) {
    Session session = client.findSession(sessionId);
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
    EvaluateResponse r = client.evaluate(session.getId(), datasetSpec, attackSpec(session));
    out.printf(Locale.ROOT,
        "clean_accuracy=%.6f attack_success_rate=%.6f test_size=%d triggered_size=%d dataset=%s%n",
        r.getCleanAccuracy(), r.getAttackSuccessRate(), r.getTestSize(), r.getTriggeredSize(),
        r.getDataset());
    return AblCli.EXIT_OK;
  }

  /**
   * The trigger to measure: the session's own attack when the kinds match (or no kind is given), with
   * {@code --target} overriding its target; another kind only with {@code --target}, since the server's
   * default target (0) would be a guess that reports a backdoored model as clean. Null: clean only.
   */
  private AttackSpec attackSpec(Session session) {
    if (attack == null && targetLabel == null) {
      return null;
    }
    AttackSpec trained = session.getConfig().getAttack();
    AttackSpec.Builder measured;
    if (attack == null || attack == trained.getKind()) {
      measured = trained.toBuilder();
    } else if (targetLabel != null) {
      measured = AttackSpec.newBuilder().setKind(attack);
    } else {
      throw new ParameterException(spec.commandLine(),
          "session " + session.getId() + " was trained with attack " + kind(trained.getKind())
              + ", not " + kind(attack) + ": give --target CLASS for " + kind(attack)
              + "'s target label, or --attack " + kind(trained.getKind())
              + " for the session's own attack");
    }
    if (targetLabel != null) {
      measured.setTargetLabel(targetLabel);
    }
    return measured.build();
  }

  private static String kind(AttackKind kind) {
    return kind.name().replaceFirst("^ATTACK_KIND_", "").toLowerCase(Locale.ROOT);
  }
}
