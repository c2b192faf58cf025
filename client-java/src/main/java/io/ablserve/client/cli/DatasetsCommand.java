package io.ablserve.client.cli;

import io.ablserve.client.AblClient;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * Lists the server's configured datasets, then the caller's uploaded ones; {@code datasets delete ID}
 * removes an upload.
 */
@Command(
    name = "datasets",
    description =
        "List the datasets you may train on: the server's configured ones by name, then your uploads"
            + " (an admin: everyone's), newest first.",
    subcommands = DatasetsCommand.Delete.class)
final class DatasetsCommand extends ClientCommand {
  @Override
  int run(AblClient client, PrintWriter out, PrintWriter err) {
    out.print(ReportFormat.datasetsTable(client.listConfiguredDatasets(), client.listDatasets()));
    return AblCli.EXIT_OK;
  }

  @Command(
      name = "delete",
      description = "Remove an uploaded dataset (refused while a queued or running session uses it).")
  static final class Delete extends ClientCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "Dataset id.")
    String datasetId;

    @Override
    int run(AblClient client, PrintWriter out, PrintWriter err) {
      client.deleteDataset(datasetId);
      out.println("deleted dataset " + datasetId);
      return AblCli.EXIT_OK;
    }
  }
}
