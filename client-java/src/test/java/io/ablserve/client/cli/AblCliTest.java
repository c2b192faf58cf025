package io.ablserve.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.ablserve.client.AblClient;
import io.ablserve.client.InProcessServer;
import io.ablserve.client.ScriptedSessionService;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.IsolationLoss;
import io.ablserve.v1.LossReduction;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
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
    AblCli cli = new AblCli((address, deadline) -> {
      addresses.add(address);
      deadlines.add(deadline);
      return new AblClient(server.channel, deadline);
    });
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
    assertThat(sent.getDataset().getName()).isEqualTo("fashion-mnist");
    assertThat(sent.getDataset().getTrainLimit()).isEqualTo(500);
    assertThat(sent.getDataset().getTestLimit()).isZero();
    assertThat(sent.hasAbl()).isFalse();
    assertThat(sent.getAbl().hasEpochs()).isFalse();
    assertThat(sent.hasAttack()).isFalse();
    assertThat(sent.hasSeed()).isFalse();
    assertThat(sent.getDevice()).isEmpty();
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
    assertThat(printed).startsWith("session id=s-1 state=QUEUED queue_position=0\n");
    assertThat(printed).containsPattern("(?m)^epochs +3 \\(isolation 2\\)$");
    assertThat(printed).containsPattern("(?m)^optimiser +lr default, ");
    assertThat(printed).contains("epoch 1/3 ISOLATION   CA  80.00%  ASR  97.00%");
    assertThat(printed).contains("epoch 3/3 UNLEARNING  CA  91.23%  ASR   0.41%");
    assertThat(printed).contains(
        "isolated 3 of 100 samples after epoch 2 (4 poisoned in the training set):"
            + " precision 66.67% recall 50.00%");
    assertThat(printed).contains("phase UNLEARNING from epoch 3\n");
    assertThat(printed).containsPattern("(?m)^clean accuracy \\(CA\\) +91\\.23%$");
    assertThat(printed).containsPattern("(?m)^attack success rate \\(ASR\\) +0\\.41%$");
    assertThat(printed).containsPattern("(?m)^isolation precision +98\\.50%$");
    assertThat(printed).containsPattern("(?m)^isolation recall +9\\.85%$");
    assertThat(printed).containsPattern("(?m)^elapsed +1m 23s$");
    assertThat(printed).endsWith("final state=SUCCEEDED ca=0.912300 asr=0.004100"
        + " isolation_precision=0.985000 isolation_recall=0.098500 epochs=3 elapsed_ms=83400\n");
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
  void run_withProgress_drawsTheBarOnStderrAndKeepsStdoutPlain() {
    int exit = execute("run");

    assertThat(exit).isZero();
    assertThat(err.toString()).contains("training").contains("3/3");
    assertThat(out.toString()).doesNotContain("\r").contains("final state=SUCCEEDED");
  }

  @Test
  void run_invalidChoice_isAUsageErrorListingTheAllowedValues() {
    int exit = execute("run", "--attack", "blended");

    assertThat(exit).isEqualTo(AblCli.EXIT_USAGE);
    assertThat(err.toString()).contains("expected one of [badnets, none] but was 'blended'");
    assertThat(server.service.creates).isEmpty();
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
    assertThat(out.toString()).doesNotContain("epoch 1/3").contains("epoch 2/3", "epoch 3/3")
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
        ID   NAME  STATE      PHASE  EPOCH  QUEUE      CA    ASR  CREATED
        s-1  demo  SUCCEEDED  -          0      -  91.23%  0.41%  -
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
  void noSubcommand_isAUsageError() {
    assertThat(execute()).isEqualTo(AblCli.EXIT_USAGE);
    assertThat(err.toString()).contains("Missing subcommand");
  }
}
