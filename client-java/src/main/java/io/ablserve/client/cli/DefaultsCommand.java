package io.ablserve.client.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.ablserve.client.AblClient;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "defaults",
    description = "Print the server's session defaults for a defence, as the v2 API's config in JSON: the"
        + " training options, the defence's own and the attack's.")
final class DefaultsCommand extends ClientCommand {
  @Option(names = "--defense", paramLabel = "NAME", defaultValue = "",
      description = "none, abl, ft, fp, nad or mcr (default: the server's default defence).")
  String defense;

  @Override
  int run(AblClient client, PrintWriter out, PrintWriter err) {
    try {
      out.println(JsonFormat.printer().print(client.sessionDefaults(defense)));
    } catch (InvalidProtocolBufferException e) {
      throw new UncheckedIOException(e); // a message the generated code built always prints
    }
    return AblCli.EXIT_OK;
  }
}
