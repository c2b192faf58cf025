package io.ablserve.client.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** Where the server is and how long a unary call may take; mixed into every subcommand. */
final class ConnectionOptions {
  @Option(
      names = "--address",
      paramLabel = "HOST:PORT",
      defaultValue = "${env:ABLSERVE_ADDRESS:-127.0.0.1:50051}",
      description = "Server host:port (env ABLSERVE_ADDRESS; default: ${DEFAULT-VALUE}).")
  String address;

  @Option(
      names = "--deadline-seconds",
      paramLabel = "SECONDS",
      defaultValue = "30",
      description =
          "Deadline of each unary call; the event stream has none (default: ${DEFAULT-VALUE}).")
  double deadlineSeconds;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  Duration deadline() {
    return Duration.ofNanos(Math.round(deadlineSeconds * 1e9));
  }
}
