package io.ablserve.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.client.AblClient;
import io.ablserve.client.InProcessServer;
import io.ablserve.client.ScriptedSessionService;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CancelOnInterruptTest {
  private final InProcessServer server = new InProcessServer();
  private final AblClient client = new AblClient(server.channel, Duration.ofSeconds(5));
  private final StringWriter err = new StringWriter();

  @AfterEach
  void stop() throws InterruptedException {
    server.close();
  }

  private void addRunningSession() {
    server.service.addSession(
        Session.newBuilder().setId("r-1").setState(SessionState.SESSION_STATE_RUNNING).build(),
        List.of(ScriptedSessionService.trainingScript(SessionState.SESSION_STATE_SUCCEEDED).get(0)));
  }

  @Test
  void interrupt_cancelsTheSessionOnTheServer() {
    addRunningSession();

    new CancelOnInterrupt(client, "r-1", new PrintWriter(err), false).onInterrupt();

    assertThat(server.service.cancels).extracting(r -> r.getSessionId()).containsExactly("r-1");
    assertThat(err.toString()).contains("cancelled session r-1 (CANCELLED)");
  }

  @Test
  void interrupt_withDetach_leavesTheSessionRunning() {
    addRunningSession();

    new CancelOnInterrupt(client, "r-1", new PrintWriter(err), true).onInterrupt();

    assertThat(server.service.cancels).isEmpty();
    assertThat(err.toString()).contains("ablserve watch r-1");
  }

  @Test
  void close_removesTheShutdownHook() {
    CancelOnInterrupt hook = new CancelOnInterrupt(client, "r-1", new PrintWriter(err), false);
    hook.install().close();

    // A second install would throw if the first registration were still there.
    hook.install().close();
  }
}
