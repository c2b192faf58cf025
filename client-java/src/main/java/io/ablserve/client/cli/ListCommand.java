package io.ablserve.client.cli;

import io.ablserve.client.AblClient;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

@Command(name = "list", description = "List all sessions, newest first.")
final class ListCommand extends ClientCommand {
  @Override
  int run(AblClient client, PrintWriter out, PrintWriter err) {
    out.print(ReportFormat.sessionsTable(client.listSessions()));
    return AblCli.EXIT_OK;
  }
}
