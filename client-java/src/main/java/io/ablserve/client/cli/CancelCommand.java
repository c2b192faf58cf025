package io.ablserve.client.cli;

import io.ablserve.client.AblClient;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "cancel",
    description = "Cancel a queued or running session; returns once it is CANCELLED unless --no-wait.")
final class CancelCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "ID", description = "Session id, or a unique prefix of it.")
  String sessionId;

  @Option(names = "--no-wait",
      description = "Return as soon as the server took the request, the session possibly still RUNNING.")
  boolean noWait;

  @Override
  int run(AblClient client, PrintWriter out, PrintWriter err) {
    String id = client.findSession(sessionId).getId();
    out.println(ReportFormat.sessionLine(client.cancelSession(id, !noWait)));
    return AblCli.EXIT_OK;
  }
}
