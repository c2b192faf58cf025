package io.ablserve.client.cli;

import io.ablserve.client.AblClient;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "resume",
    description = "Queue an INTERRUPTED session again: it goes on from its last epoch's checkpoint.")
final class ResumeCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "ID", description = "Session id, or a unique prefix of it.")
  String sessionId;

  @Option(names = "--device", paramLabel = "DEVICE",
      description = "Resume on cpu, gpu or gpu:N (an empty value: any slot), which its config keeps: for a"
          + " session whose device no slot serves any more.")
  String device;

  @Override
  int run(AblClient client, PrintWriter out, PrintWriter err) {
    String id = client.findSession(sessionId).getId();
    out.println(ReportFormat.sessionLine(
        device == null ? client.resumeSession(id) : client.resumeSession(id, device)));
    return AblCli.EXIT_OK;
  }
}
