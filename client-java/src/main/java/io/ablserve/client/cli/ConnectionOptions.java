package io.ablserve.client.cli;

import io.ablserve.client.AblClient;
import io.ablserve.client.TokenFile;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Where the server is, how to authenticate and encrypt, and how long a unary call may take; mixed into
 * every subcommand. The token comes from {@code --token}, else {@code --token-file}, else the environment's
 * {@code ABLSERVE_TOKEN}, else the file {@code ABLSERVE_TOKEN_FILE} names, as in the Python client.
 */
final class ConnectionOptions {
  @Option(
      names = "--address",
      paramLabel = "HOST:PORT",
      defaultValue = "${env:ABLSERVE_ADDRESS:-127.0.0.1:50051}",
      description = "Server host:port, or a host alone for port 50051 (env ABLSERVE_ADDRESS;"
          + " default: ${DEFAULT-VALUE}).")
  String address;

  @Option(
      names = "--deadline-seconds",
      paramLabel = "SECONDS",
      defaultValue = "30",
      description =
          "Deadline of each unary call; the event stream and uploads have none"
              + " (default: ${DEFAULT-VALUE}).")
  double deadlineSeconds;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description =
          "Bearer token for a server with a token file (env ABLSERVE_TOKEN). Other users of this"
              + " machine can read a command line: prefer --token-file or the environment"
              + " (default: none).")
  String token;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description =
          "File whose first token to send: its first line that is not blank or a # comment, up to"
              + " the first space (env ABLSERVE_TOKEN_FILE; default: none).")
  Path tokenFile;

  @Option(names = "--tls", description = "Use TLS, trusting the system's certificate authorities.")
  boolean tls;

  @Option(
      names = "--ca-cert",
      paramLabel = "PEM",
      description = "Use TLS, trusting the certificate authorities in this PEM file instead"
          + " (default: the system's).")
  Path caCertificates;

  @Option(
      names = "--authority",
      paramLabel = "HOST",
      description =
          "With TLS: the host name the server's certificate must carry, when the address does not"
              + " (an SSH tunnel, an IP address; default: the address's host).")
  String authority;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  Duration deadline() {
    return Duration.ofNanos(Math.round(deadlineSeconds * 1e9));
  }

  /**
   * The settings these options give, with {@code env} for what they leave out. IllegalArgumentException
   * names the option (or variable) whose value is unusable.
   */
  ConnectionSettings resolve(Map<String, String> env) {
    if (token != null && tokenFile != null) {
      throw new IllegalArgumentException("--token and --token-file: give one of them");
    }
    if (authority != null && !tls && caCertificates == null) {
      throw new IllegalArgumentException("--authority: needs --tls or --ca-cert");
    }
    return new ConnectionSettings(
        AblClient.withDefaultPort(address),
        deadline(),
        resolveToken(env),
        tls || caCertificates != null,
        Optional.ofNullable(caCertificates),
        Optional.ofNullable(authority));
  }

  private Optional<String> resolveToken(Map<String, String> env) {
    if (token != null) {
      return Optional.of(token);
    }
    if (tokenFile != null) {
      return Optional.of(firstToken(tokenFile, "--token-file"));
    }
    String fromEnv = env.get("ABLSERVE_TOKEN");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Optional.of(fromEnv);
    }
    String file = env.get("ABLSERVE_TOKEN_FILE");
    if (file != null && !file.isBlank()) {
      return Optional.of(firstToken(Path.of(file), "ABLSERVE_TOKEN_FILE"));
    }
    return Optional.empty();
  }

  private static String firstToken(Path file, String source) {
    try {
      return TokenFile.firstToken(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(source + ": no file " + file, e);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }
}
