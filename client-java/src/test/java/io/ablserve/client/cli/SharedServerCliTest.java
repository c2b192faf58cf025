package io.ablserve.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.client.AblClient;
import io.ablserve.client.RealServer;
import io.ablserve.client.TinyIdxDataset;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.Defense;
import io.ablserve.v1.ModelArch;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SuspectTreatment;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The CLI against a real server with a token file and TLS (its own CA), as a lab member uses it:
 * upload, list and delete a dataset, train on it at a priority, with the token from an option, a file or
 * the environment.
 */
@Tag("training")
class SharedServerCliTest {
  private static final Pattern DATASET_ID = Pattern.compile("dataset id=(ds-[0-9a-f]+) ");

  @TempDir static Path dir;
  static RealServer server;

  @BeforeAll
  static void start() throws Exception {
    server = RealServer.start(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  /** The output, error output and exit code of one command. */
  record Result(int exit, String out, String err) {}

  private static Result execute(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = new CommandLine(new AblCli(ConnectionSettings::connect, env))
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  /** {@code args} with the TLS options of this server (its CA, the name its certificate carries). */
  private static String[] tls(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--address", server.address(), "--ca-cert", server.caCertificate.toString(),
        "--authority", RealServer.AUTHORITY));
    return all.toArray(String[]::new);
  }

  @Test
  void uploadRunAtPriorityListAndDelete_withTheTokenFromAFile() throws Exception {
    Path folder = TinyIdxDataset.write(dir.resolve("tiny"), 200, 3);
    String tokenFile = server.tokens.toString(); // the server's own file: its first token is alice's

    Result upload = execute(Map.of(),
        tls("upload", folder.toString(), "--name", "tiny", "--token-file", tokenFile));
    assertThat(upload.exit()).as(upload.err()).isZero();
    assertThat(upload.err()).as("no progress bar off a terminal").doesNotContain("\r");
    assertThat(upload.out())
        .contains(" name=tiny layout=IDX train=200 test=200 shape=1x28x28 classes=10 ");
    Matcher id = DATASET_ID.matcher(upload.out());
    assertThat(id.find()).isTrue();
    String datasetId = id.group(1);

    Result listed = execute(Map.of(), tls("datasets", "--token-file", tokenFile));
    assertThat(listed.exit()).as(listed.err()).isZero();
    assertThat(listed.out()).containsPattern("(?m)^" + datasetId + " +tiny +alice +IDX +200 +200 .* uploaded$");
    assertThat(listed.out())
        .as("the configured datasets first, by name, from both pages")
        .containsPattern("(?s)^ID .*\nfashion-mnist +fashion-mnist +- +IDX .* configured\n"
            + "paging-a +paging-a .* configured\npaging-b +paging-b .* configured\n" + datasetId);

    Result run = execute(Map.of(), tls("run", "--no-progress", "--token-file", tokenFile,
        "--dataset", datasetId, "--epochs", "2", "--isolation-epochs", "1", "--batch-size", "50",
        "--priority", "7"));
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out())
        .containsPattern("(?m)^session id=\\S+ state=(QUEUED|RUNNING) queue_position=-?\\d priority=7$");
    assertThat(run.out()).contains("final state=SUCCEEDED");
    // Where it trained: the slot decides the device, whatever the config says.
    assertThat(run.out()).containsPattern("(?m)^state RUNNING on slot cpu-0 \\(cpu\\(\\)\\)$");

    Result deleted = execute(Map.of(), tls("datasets", "delete", datasetId, "--token-file", tokenFile));
    assertThat(deleted.exit()).as(deleted.err()).isZero();
    assertThat(deleted.out()).isEqualTo("deleted dataset " + datasetId + "\n");
    assertThat(execute(Map.of(), tls("datasets", "--token-file", tokenFile)).out())
        .doesNotContain(datasetId);
  }

  @Test
  void runOptions_leaveUnsetFieldsToTheServer_whoseEchoFillsThem() throws Exception {
    RunCommand run = new RunCommand();
    new CommandLine(run).parseArgs("--learning-rate", "0.05", "--attack", "Blend", "--model", "SMALL_CNN",
        "--epochs", "200", "--isolation-epochs", "100", "--train-limit", "200", "--name", "cli defaults");
    SessionConfig sent = run.config.toConfig();
    assertThat(sent.getAbl()).isEqualTo(
        AblConfig.newBuilder().setLearningRate(0.05).setEpochs(200).setIsolationEpochs(100).build());
    assertThat(sent.getAttack()).isEqualTo(AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_BLEND).build());
    assertThat(sent.hasSeed()).isFalse();
    assertThat(sent.hasCleanData() || sent.hasFineTuning()).isFalse();

    try (AblClient alice = AblClient.builder(server.address())
        .deadline(Duration.ofSeconds(60))
        .tokenFile(server.tokens)
        .trustedCertificates(server.caCertificate)
        .authority(RealServer.AUTHORITY)
        .build()) {
      Session session = alice.createSession(sent, -100);
      try {
        SessionConfig resolved = session.getConfig();
        assertThat(resolved.getAbl().getLearningRate()).isEqualTo(0.05);
        assertThat(resolved.getAttack().getKind()).isEqualTo(AttackKind.ATTACK_KIND_BLEND);
        assertThat(resolved.getModel().getArch()).isEqualTo(ModelArch.MODEL_ARCH_SMALL_CNN);
        // What was not given came back as the server chose it.
        assertThat(resolved.getAbl().hasMomentum()).isTrue();
        assertThat(resolved.getAbl().hasBatchSize()).isTrue();
        assertThat(resolved.getAbl().getDefense()).isNotEqualTo(Defense.DEFENSE_UNSPECIFIED);
        assertThat(resolved.getAbl().getSuspectTreatment())
            .isNotEqualTo(SuspectTreatment.SUSPECT_TREATMENT_UNSPECIFIED);
        assertThat(resolved.getAttack().hasPoisonRate()).isTrue();
        assertThat(resolved.getAttack().hasTargetLabel()).isTrue();
        assertThat(resolved.hasSeed()).isTrue();
        assertThat(resolved.getDataset().getName()).isEqualTo("fashion-mnist");
      } finally {
        alice.cancelSession(session.getId());
      }
    }
  }

  @Test
  void token_comesFromTheOptionTheFileOrTheEnvironment_inThePythonClientsOrder() throws Exception {
    Path bobsFile = Files.writeString(dir.resolve("bob-token"), "# mine\n" + RealServer.BOB_TOKEN + "\n");

    assertThat(execute(Map.of("ABLSERVE_TOKEN", RealServer.BOB_TOKEN), tls("list")).exit()).isZero();
    assertThat(execute(Map.of("ABLSERVE_TOKEN_FILE", bobsFile.toString()), tls("list")).exit())
        .isZero();
    assertThat(execute(Map.of("ABLSERVE_TOKEN", "not-a-known-token"),
            tls("list", "--token-file", bobsFile.toString())).exit())
        .as("an option beats the environment")
        .isZero();
    assertThat(execute(Map.of("ABLSERVE_TOKEN", RealServer.BOB_TOKEN,
            "ABLSERVE_TOKEN_FILE", dir.resolve("missing").toString()), tls("list")).exit())
        .as("ABLSERVE_TOKEN beats ABLSERVE_TOKEN_FILE, as in the Python client")
        .isZero();

    Result none = execute(Map.of(), tls("list"));
    assertThat(none.exit()).isEqualTo(AblCli.EXIT_RPC_ERROR);
    assertThat(none.err()).isEqualTo(
        "error: UNAUTHENTICATED: missing 'authorization: Bearer TOKEN' metadata\n");
    Result unknown = execute(Map.of("ABLSERVE_TOKEN", "not-a-known-token"), tls("list"));
    assertThat(unknown.err()).isEqualTo("error: UNAUTHENTICATED: unknown bearer token\n");
    Result missingFile =
        execute(Map.of("ABLSERVE_TOKEN_FILE", dir.resolve("missing").toString()), tls("list"));
    assertThat(missingFile.exit()).isEqualTo(AblCli.EXIT_USAGE);
    assertThat(missingFile.err()).startsWith("ABLSERVE_TOKEN_FILE: no file ");
    Result both = execute(Map.of(),
        tls("list", "--token", RealServer.BOB_TOKEN, "--token-file", bobsFile.toString()));
    assertThat(both.exit()).isEqualTo(AblCli.EXIT_USAGE);
    assertThat(both.err()).startsWith("--token and --token-file: give one of them");
  }

  @Test
  void tls_isRequiredAndTheCertificateMustBeTrustedAndNamed() {
    Map<String, String> bob = Map.of("ABLSERVE_TOKEN", RealServer.BOB_TOKEN);

    Result plaintext = execute(bob, "list", "--address", server.address());
    assertThat(plaintext.exit()).isEqualTo(AblCli.EXIT_RPC_ERROR);
    assertThat(plaintext.err()).startsWith("error: UNAVAILABLE: ");
    Result systemRoots = execute(bob, "list", "--address", server.address(), "--tls",
        "--authority", RealServer.AUTHORITY);
    assertThat(systemRoots.exit()).isEqualTo(AblCli.EXIT_RPC_ERROR);
    assertThat(systemRoots.err()).startsWith("error: UNAVAILABLE: ");
    Result wrongName = execute(bob, "list", "--address", server.address(),
        "--ca-cert", server.caCertificate.toString());
    assertThat(wrongName.exit()).as("127.0.0.1 is not in the certificate")
        .isEqualTo(AblCli.EXIT_RPC_ERROR);
    Result authorityWithoutTls =
        execute(bob, "list", "--address", server.address(), "--authority", RealServer.AUTHORITY);
    assertThat(authorityWithoutTls.exit()).isEqualTo(AblCli.EXIT_USAGE);
    assertThat(authorityWithoutTls.err()).startsWith("--authority: needs --tls or --ca-cert");

    assertThat(execute(bob, tls("list")).exit()).isZero();
  }

  @Test
  void devices_listsTheSlotsAndTheQueue() {
    Result devices = execute(Map.of(), tls("devices", "--token-file", server.tokens.toString()));

    assertThat(devices.exit()).as(devices.err()).isZero();
    assertThat(devices.out()).startsWith("SLOT ").contains("cpu-0", "cpu ").containsPattern("isolation inline, \\d+ queued\n$");
  }

  @Test
  void defaults_printsADefencesOwnOptionsAsV2Json_andRefusesAnUnknownDefence() {
    String tokenFile = server.tokens.toString();
    Result fp = execute(Map.of(), tls("defaults", "--defense", "fp", "--token-file", tokenFile));
    assertThat(fp.exit()).as(fp.err()).isZero();
    assertThat(fp.out())
        .contains("\"fp\": {", "\"finePruning\": {", "\"maxPruneRatio\": 0.9", "\"training\": {")
        .doesNotContain("\"abl\": {", "isolationEpochs");

    Result abl = execute(Map.of(), tls("defaults", "--token-file", tokenFile));
    assertThat(abl.exit()).as(abl.err()).isZero();
    assertThat(abl.out()).contains("\"abl\": {", "\"isolationEpochs\": 5");

    Result bad = execute(Map.of(), tls("defaults", "--defense", "pruning", "--token-file", tokenFile));
    assertThat(bad.exit()).isEqualTo(AblCli.EXIT_RPC_ERROR);
    assertThat(bad.err())
        .contains("INVALID_ARGUMENT", "defense must be one of [none, abl, ft, fp, nad, mcr] or empty");
  }
}
