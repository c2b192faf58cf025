package io.ablserve.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.client.ScriptedSessionService;
import io.ablserve.v1.CancelSessionRequest;
import io.ablserve.v1.SessionState;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI in its own JVM against a real (port 0) server: stopping the process the way Ctrl-C does
 * (SIGINT and SIGTERM both run shutdown hooks) cancels the session over the same Netty channel.
 */
class InterruptedRunTest {
  private final ScriptedSessionService service = new ScriptedSessionService();
  private Server server;

  @TempDir Path tmp;

  @BeforeEach
  void start() throws Exception {
    service.endCreatedSessionsAs(SessionState.SESSION_STATE_RUNNING);
    server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(service).build().start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private Process launch(String... runOptions) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(
        java, "-cp", System.getProperty("java.class.path"), AblCli.class.getName(),
        "run", "--no-progress", "--address", "127.0.0.1:" + server.getPort()));
    command.addAll(List.of(runOptions));
    return new ProcessBuilder(command)
        .redirectOutput(tmp.resolve("out").toFile())
        .redirectError(tmp.resolve("err").toFile())
        .start();
  }

  private String stderr() throws Exception {
    return Files.readString(tmp.resolve("err"), StandardCharsets.UTF_8);
  }

  @Test
  void interruptedRun_cancelsTheRemoteSession() throws Exception {
    Process cli = launch();
    assertThat(service.liveWatchOpened.await(30, TimeUnit.SECONDS)).isTrue();

    cli.destroy();

    assertThat(cli.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(service.cancels).extracting(CancelSessionRequest::getSessionId)
        .containsExactly("s-1");
    assertThat(stderr()).contains("cancelled session s-1 (CANCELLED)");
  }

  @Test
  void interruptedRun_withDetach_leavesTheSessionRunning() throws Exception {
    Process cli = launch("--detach");
    assertThat(service.liveWatchOpened.await(30, TimeUnit.SECONDS)).isTrue();

    cli.destroy();

    assertThat(cli.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(service.cancels).isEmpty();
    assertThat(stderr()).contains("session s-1 keeps running: ablserve watch s-1");
  }
}
