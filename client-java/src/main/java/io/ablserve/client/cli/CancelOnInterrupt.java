package io.ablserve.client.cli;

import io.ablserve.client.AblClient;
import io.ablserve.client.AblClientException;
import io.ablserve.v1.Session;
import java.io.PrintWriter;

/**
 * While {@code run} follows its session, a JVM shutdown hook (Ctrl-C) cancels the session on the
 * server, so that an abandoned run does not keep the trainer busy; with {@code --detach} the session
 * keeps running and the hook only says how to watch it again.
 */
final class CancelOnInterrupt implements AutoCloseable {
  private final AblClient client;
  private final String sessionId;
  private final PrintWriter err;
  private final boolean detach;
  private final Thread hook;

  CancelOnInterrupt(AblClient client, String sessionId, PrintWriter err, boolean detach) {
    this.client = client;
    this.sessionId = sessionId;
    this.err = err;
    this.detach = detach;
    this.hook = new Thread(this::onInterrupt, "ablserve-cancel-" + sessionId);
  }

  CancelOnInterrupt install() {
    Runtime.getRuntime().addShutdownHook(hook);
    return this;
  }

  void onInterrupt() {
    err.println();
    if (detach) {
      err.println("detached; session " + sessionId + " keeps running: ablserve watch " + sessionId);
    } else {
      try {
        Session session = client.cancelSession(sessionId);
        err.println("cancelled session " + sessionId + " (" + ReportFormat.state(session.getState())
            + ")");
      } catch (AblClientException e) {
        err.println("error: cancelling " + sessionId + ": " + e.code() + ": " + e.description());
      }
    }
    err.flush();
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shutdownInProgress) {
      // The hook is running or has run; nothing to undo.
    }
  }
}
