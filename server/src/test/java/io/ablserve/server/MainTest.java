package io.ablserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.config.ResumeInterrupted;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.data.DatasetLimits;
import io.ablserve.server.config.ServiceLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {

  static ServerConfig parse(String... args) {
    Main main = new Main();
    new CommandLine(main).parseArgs(args);
    return main.config();
  }

  @Test
  void config_withoutOptionsIsTheDefaults() {
    // Holds unless the test JVM runs with ABLSERVE_* variables set.
    assertThat(parse()).isEqualTo(ServerConfig.DEFAULTS);
  }

  static io.ablserve.server.config.WorkersConfig workers(String... args) {
    Main main = new Main();
    new CommandLine(main).parseArgs(args);
    return main.workers();
  }

  @Test
  void workers_withoutOptionsAreTheDefaults_andTakeSlotsAndIsolation() {
    assertThat(workers()).isEqualTo(io.ablserve.server.config.WorkersConfig.DEFAULTS);
    io.ablserve.server.config.WorkersConfig process =
        workers("--isolation", "process", "--slots", "cpu:1,cpu:1", "--worker-heartbeat-seconds", "5");
    assertThat(process.isolation()).isEqualTo(io.ablserve.server.config.Isolation.PROCESS);
    assertThat(process.slots()).extracting(io.ablserve.server.config.SlotSpec::name)
        .containsExactly("cpu-0", "cpu-1");
    assertThat(process.heartbeatTimeout()).isEqualTo(java.time.Duration.ofSeconds(5));
    assertThat(
            workers("--worker-keepalive-seconds", "20", "--worker-keepalive-timeout-seconds", "3")
                .keepalive())
        .isEqualTo(
            new io.ablserve.server.config.WorkerKeepalive(Duration.ofSeconds(20), Duration.ofSeconds(3)));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> workers("--worker-keepalive-seconds", "5"))
        .hasMessageContaining("--worker-keepalive-seconds must be >= 10");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> workers("--slots", "cpu:1,cpu:1"))
        .hasMessageContaining("--isolation process");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> workers("--isolation", "threads"))
        .hasMessageContaining("inline or process");
  }

  @Test
  void resumeInterrupted_parsesAutoAndManual() {
    assertThat(parse("--resume-interrupted", "manual").resumeInterrupted())
        .isEqualTo(ResumeInterrupted.MANUAL);
    assertThat(parse("--resume-interrupted", "AUTO").resumeInterrupted())
        .isEqualTo(ResumeInterrupted.AUTO);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse("--resume-interrupted", "later"))
        .hasMessageContaining("auto or manual");
  }

  @Test
  void config_takesTheServiceLimits() {
    ServiceLimits limits =
        parse(
            "--max-concurrent-evaluations", "3", "--max-queued-evaluations", "0",
            "--max-concurrent-exports", "5", "--max-concurrent-uploads", "6",
            "--max-calls-per-connection", "7", "--max-rst-frames", "8", "--rst-window-seconds", "9",
            "--permit-keepalive-seconds", "11", "--permit-keepalive-without-calls", "true",
            "--max-connection-age-seconds", "0", "--max-connection-age-grace-seconds", "13",
            "--max-message-bytes", "8388608", "--watch-stall-seconds", "17",
            "--upload-idle-seconds", "19")
            .limits();

    assertThat(limits)
        .isEqualTo(
            new ServiceLimits(
                3, 0, 5, 6, 7, 8, Duration.ofSeconds(9), Duration.ofSeconds(11), true, Duration.ZERO,
                Duration.ofSeconds(13), 8 << 20, Duration.ofSeconds(17), Duration.ofSeconds(19)));
  }

  @Test
  void call_refusesANonLoopbackBindWithoutATokenFile() throws Exception {
    java.io.PrintStream saved = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true));
    int exit;
    try {
      exit = new CommandLine(new Main()).execute("--bind", "0.0.0.0", "--port", "0");
    } finally {
      System.setErr(saved);
    }
    assertThat(exit).isEqualTo(2);
    assertThat(captured.toString()).contains("refusing to listen on 0.0.0.0 without authentication");
  }

  @Test
  void call_whenAServiceCannotStart_stopsTheOthersAndExitsOneWithItsReason(@TempDir Path dataDir)
      throws Exception {
    java.io.PrintStream saved = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    int exit;
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      System.setErr(new java.io.PrintStream(captured, true));
      exit =
          new CommandLine(new Main())
              .execute(
                  "--port", "0", "--data-dir", dataDir.toString(),
                  "--metrics-port", String.valueOf(taken.getLocalPort()));
    } finally {
      System.setErr(saved);
    }
    assertThat(exit).isEqualTo(1);
    assertThat(captured.toString())
        .contains("ablserve: cannot start: metrics: ")
        .contains("Address already in use");
  }

  /** Exit code and stderr of the server started with {@code args}. */
  private static Map.Entry<Integer, String> run(String... args) {
    java.io.PrintStream saved = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true));
    try {
      return Map.entry(new CommandLine(new Main()).execute(args), captured.toString());
    } finally {
      System.setErr(saved);
    }
  }

  @Test
  void call_aGpuTheEngineDoesNotSee_exitsTwoWithOneLine_forADeviceAndForASlot(@TempDir Path dataDir) {
    // No host has GPU 999: on a CPU host "sees none", on a GPU host the index is out of range.
    Map.Entry<Integer, String> device =
        run("--port", "0", "--data-dir", dataDir.toString(), "--device", "gpu:999");
    assertThat(device.getKey()).isEqualTo(2);
    // The engine's own INFO lines (DJL logs to stderr) may come first; ours is one line, said once.
    assertThat(device.getValue().lines().filter(line -> line.startsWith("ablserve: ")).toList())
        .singleElement().asString().startsWith("ablserve: device ").contains("999");
    assertThat(device.getValue()).doesNotContain("Guice", "CreationException", "\tat ");

    Map.Entry<Integer, String> slot =
        run("--port", "0", "--data-dir", dataDir.resolve("slots").toString(), "--isolation", "process",
            "--slots", "cpu:1,gpu:999");
    assertThat(slot.getKey()).isEqualTo(2);
    assertThat(slot.getValue().lines().filter(line -> line.startsWith("ablserve: ")).toList())
        .singleElement().asString()
        .startsWith("ablserve: --slots names gpu:999 but the engine sees ")
        .contains("GPU(s) on this host");
    assertThat(slot.getValue()).doesNotContain("Guice", "\tat ");
  }

  @Test
  void call_refusesNonLoopbackMetricsWithoutATokenFile() throws Exception {
    java.io.PrintStream saved = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true));
    int exit;
    try {
      exit =
          new CommandLine(new Main())
              .execute("--port", "0", "--metrics-port", "0", "--metrics-bind", "0.0.0.0");
    } finally {
      System.setErr(saved);
    }
    assertThat(exit).isEqualTo(2);
    assertThat(captured.toString())
        .contains("refusing to serve metrics on 0.0.0.0 without authentication")
        .contains("--metrics-bind");
  }

  @Test
  void config_takesOptionsAndAddsDatasetsToTheDefaultOne() {
    ServerConfig config =
        parse(
            "--port", "0", "--bind", "0.0.0.0", "--data-dir", "/tmp/abl", "--device", "gpu:1",
            "--dataset", "mnist=/data/mnist", "--dataset", "kmnist=/data/kmnist",
            "--max-queued", "3", "--max-queued-per-user", "2", "--token-file", "/etc/ablserve/tokens",
            "--tls-cert", "/etc/ablserve/cert.pem", "--tls-key", "/etc/ablserve/key.pem",
            "--max-upload-bytes", "1048576", "--metrics-port", "9400", "--metrics-bind", "0.0.0.0", "--max-decoded-bytes", "5000000",
            "--max-image-side-px", "512", "--max-zip-entries", "70100", "--max-unpacked-bytes", "3000000",
            "--min-free-bytes", "0");

    assertThat(config.port()).isZero();
    assertThat(config.bindAddress()).isEqualTo("0.0.0.0");
    assertThat(config.dataDir()).isEqualTo(Path.of("/tmp/abl"));
    assertThat(config.defaultDevice()).isEqualTo("gpu:1");
    assertThat(config.maxQueuedSessions()).isEqualTo(3);
    assertThat(config.maxQueuedPerUser()).isEqualTo(2);
    assertThat(config.tokenFile()).contains(Path.of("/etc/ablserve/tokens"));
    assertThat(config.tlsCert()).contains(Path.of("/etc/ablserve/cert.pem"));
    assertThat(config.tlsKey()).contains(Path.of("/etc/ablserve/key.pem"));
    assertThat(config.maxUploadBytes()).isEqualTo(1_048_576);
    assertThat(config.metricsPort()).isEqualTo(9400);
    assertThat(config.metricsBindAddress()).isEqualTo("0.0.0.0");
    assertThat(config.datasetLimits()).isEqualTo(new DatasetLimits(5_000_000, 512, 70_100, 3_000_000));
    assertThat(config.minFreeBytes()).isZero();
    assertThat(config.datasetRoots())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "fashion-mnist", Path.of("/usr/share/datasets/fashion-mnist"),
                "mnist", Path.of("/data/mnist"),
                "kmnist", Path.of("/data/kmnist")));
  }
}
