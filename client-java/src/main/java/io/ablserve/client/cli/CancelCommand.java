package io.ablserve.client.cli;

import io.ablserve.client.AblClient;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "cancel", description = "Cancel a queued or running session.")
final class CancelCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "ID", description = "Session id.")
  String sessionId;

  @Override
  int run(AblClient client, PrintWriter out, PrintWriter err) {
    out.println(ReportFormat.sessionLine(client.cancelSession(sessionId)));
    return AblCli.EXIT_OK;
  }
}
