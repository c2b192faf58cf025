package io.ablserve.client.cli;

import io.ablserve.client.AblClient;
import io.ablserve.client.SessionEventStream;
import io.ablserve.v1.Session;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Renders an existing session's events, as {@code run} does. */
@Command(
    name = "watch",
    description = "Show a session's events from a sequence number; follow live ones until it ends.")
final class WatchCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "ID", description = "Session id, or a unique prefix of it.")
  String sessionId;

  @Option(names = "--from", paramLabel = "N", defaultValue = "0",
      description = "First event sequence number (default: ${DEFAULT-VALUE}, the start).")
  long fromSequence;

  @Option(names = "--no-follow", description = "Stop after the stored events.")
  boolean noFollow;

  @Option(names = "--no-progress",
      description = "No progress bar, even on a terminal (there is none when stderr is not one).")
  boolean noProgress;

  @Override
  int run(AblClient client, PrintWriter out, PrintWriter err) {
    Session session = client.findSession(sessionId);
    String sessionId = session.getId();
    out.println(ReportFormat.sessionLine(session));
    out.flush();
    int epochs = ReportFormat.totalEpochs(session.getConfig());
    ProgressDisplay progress = progressBar(noProgress) ? ProgressDisplay.bar(err, epochs) : ProgressDisplay.none();
    SessionFollower follower = new SessionFollower(
        client, out, progress, epochs, ReportFormat.targetLabel(session.getConfig()));
    try (SessionEventStream events = client.watch(sessionId, fromSequence, !noFollow)) {
      return follower.follow(sessionId, events);
    }
  }
}
