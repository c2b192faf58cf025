package io.ablserve.client.cli;

import io.ablserve.client.AblClient;
import io.ablserve.client.SessionEventStream;
import io.ablserve.v1.Session;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Creates a session and follows it to the end. */
@Command(
    name = "run",
    description = {
      "Create an ABL session and follow it until it ends.",
      "Options not given are left to the server's defaults; the resolved config is printed.",
      "Ctrl-C cancels the session on the server unless --detach."
    })
final class RunCommand extends ClientCommand {
  @Mixin SessionConfigOptions config;

  @Option(names = "--no-progress",
      description = "No progress bar, even on a terminal (there is none when stderr is not one).")
  boolean noProgress;

  @Option(names = "--detach", description = "On Ctrl-C, leave the session running on the server.")
  boolean detach;

  @Option(names = "--priority", paramLabel = "N", defaultValue = "0",
      description = "Queue priority, -100 to 100: higher trains first; within a priority users"
          + " take turns, each user's first come first served (default: ${DEFAULT-VALUE}).")
  int priority;

  @Override
  int run(AblClient client, PrintWriter out, PrintWriter err) {
    Session session = client.createSession(config.toConfig(), priority);
    out.println(ReportFormat.sessionLine(session));
    out.print(ReportFormat.config(session.getConfig()));
    out.flush();

    int epochs = ReportFormat.totalEpochs(session.getConfig());
    ProgressDisplay progress = progressBar(noProgress) ? ProgressDisplay.bar(err, epochs) : ProgressDisplay.none();
    SessionFollower follower = new SessionFollower(
        client, out, progress, epochs, ReportFormat.targetLabel(session.getConfig()));
    try (CancelOnInterrupt onInterrupt =
            new CancelOnInterrupt(client, session.getId(), err, detach).install();
        SessionEventStream events = client.watch(session.getId(), 0, true)) {
      return follower.follow(session.getId(), events);
    }
  }
}
