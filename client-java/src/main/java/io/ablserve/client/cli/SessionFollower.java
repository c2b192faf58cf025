package io.ablserve.client.cli;

import io.ablserve.client.AblClient;
import io.ablserve.client.SessionEventStream;
import io.ablserve.v1.FinalResult;
import io.ablserve.v1.Phase;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionState;
import java.io.PrintWriter;

/**
 * Renders a session's event stream (shared by {@code run} and {@code watch}): a line per phase change,
 * epoch, isolation (with the backdoor check's verdict), filtering and state change, the live bar, and at
 * the end the result table and the machine-readable {@code final} line. Returns the command's exit code.
 */
final class SessionFollower {
  private final AblClient client;
  private final PrintWriter out;
  private final ProgressDisplay progress;
  private int totalEpochs;
  private final int targetLabel;

  private SessionState lastState = SessionState.SESSION_STATE_UNSPECIFIED;
  private FinalResult result;
  private String sessionId;

  /** {@code targetLabel}: the attack's, marked in the per-class accuracy; -1 when unknown. */
  SessionFollower(
      AblClient client, PrintWriter out, ProgressDisplay progress, int totalEpochs, int targetLabel) {
    this.client = client;
    this.out = out;
    this.progress = progress;
    this.totalEpochs = totalEpochs;
    this.targetLabel = targetLabel;
  }

  int follow(String sessionId, SessionEventStream events) {
    this.sessionId = sessionId;
    try (progress) {
      while (events.hasNext()) {
        render(events.next());
      }
    }
    if (!isTerminal(lastState)) {
      // Replay without --follow, or a stream cut short: the session itself says where it stands.
      Session session = client.getSession(sessionId);
      lastState = session.getState();
      if (result == null && session.hasResult()) {
        result = session.getResult();
      }
    }
    if (result != null) {
      out.println();
      out.print(ReportFormat.finalTable(result, targetLabel));
      out.print(ConfusionTable.render(result.getConfusionMatrix(), targetLabel));
    }
    out.println(ReportFormat.finalLine(lastState, result));
    out.flush();
    return exitCode(lastState);
  }

  private void render(SessionEvent event) {
    switch (event.getEventCase()) {
      case STEP -> progress.onStep(event.getStep());
      case EPOCH -> {
        print(ReportFormat.epochLine(event.getEpoch(), totalEpochs));
        progress.onEpoch(event.getEpoch());
      }
      case PHASE -> {
        print("phase " + ReportFormat.phase(event.getPhase().getPhase())
            + " from epoch " + event.getPhase().getEpoch());
        if (event.getPhase().getPhase() == Phase.PHASE_RETRAINING && totalEpochs > 0) {
          // Nothing confirmed: the session's epochs train afresh after the isolation ones.
          totalEpochs += event.getPhase().getEpoch();
          progress.onTotalEpochs(totalEpochs);
        }
      }
      case ISOLATION -> {
        print(ReportFormat.isolationLine(event.getIsolation()));
        if (event.getIsolation().getVerdict().getTested()) {
          print(ReportFormat.verdictLine(event.getIsolation().getVerdict(), targetLabel));
        }
      }
      case FILTER -> print(ReportFormat.filterLine(event.getFilter()));
      case CHECK -> print(CheckLines.render(event.getCheck(), targetLabel));
      case STATE -> {
        lastState = event.getState().getState();
        String reason = event.getState().getReason();
        print("state " + ReportFormat.state(lastState) + (reason.isEmpty() ? "" : ": " + reason)
            + (lastState == SessionState.SESSION_STATE_RUNNING ? where() : ""));
        progress.onState(lastState);
      }
      case RESULT -> result = event.getResult();
      case EVENT_NOT_SET -> { }
    }
  }

  /**
   * Where a session that just started trains, " on slot gpu-0 (gpu(0))": with slots the slot, not the
   * config's device, decides. Empty where the server names no slot or cannot be asked.
   */
  private String where() {
    try {
      Session session = client.getSession(sessionId);
      if (session.getSlot().isEmpty()) {
        return "";
      }
      return " on slot " + session.getSlot()
          + (session.getDevice().isEmpty() ? "" : " (" + session.getDevice() + ")");
    } catch (RuntimeException e) {
      return ""; // the stream goes on; the line is only a courtesy
    }
  }

  private void print(String line) {
    progress.clearLine();
    out.println(line);
    out.flush();
  }

  static boolean isTerminal(SessionState state) {
    return AblClient.isTerminal(state);
  }

  /** Non-zero only for a session that ended without success; a still-running one is not an error. */
  static int exitCode(SessionState state) {
    return switch (state) {
      case SESSION_STATE_FAILED, SESSION_STATE_CANCELLED, SESSION_STATE_INTERRUPTED ->
          AblCli.EXIT_SESSION_NOT_SUCCEEDED;
      default -> AblCli.EXIT_OK;
    };
  }
}
