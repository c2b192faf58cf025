package io.ablserve.client.cli;

import io.ablserve.client.AblClient;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

@Command(
    name = "devices",
    description = "List the server's device slots: the session on each, the memory of the process training"
        + " there, a GPU's memory; then how sessions train and how many wait.")
final class DevicesCommand extends ClientCommand {
  @Override
  int run(AblClient client, PrintWriter out, PrintWriter err) {
    out.print(ReportFormat.devicesTable(client.listDevices()));
    return AblCli.EXIT_OK;
  }
}
