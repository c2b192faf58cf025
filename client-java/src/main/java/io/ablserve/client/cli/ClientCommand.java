package io.ablserve.client.cli;

import io.ablserve.client.AblClient;
import io.ablserve.client.AblClientException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A subcommand that talks to the server. Any failed call ends the command with {@code error: CODE:
 * description} on stderr and {@link AblCli#EXIT_RPC_ERROR}, here rather than in an exception handler
 * so that {@code new CommandLine(new AblCli()).execute(args)} behaves like {@code main}.
 */
abstract class ClientCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;

  @Spec CommandSpec spec;

  /** The root command, which holds what commands share (the client factory, the environment). */
  final AblCli cli() {
    // The root, not the parent: `datasets delete` is a subcommand of a subcommand.
    return spec.root().userObject() instanceof AblCli root ? root : new AblCli();
  }

  /** Whether to draw a progress bar: not turned off by {@code --no-progress}, and on a terminal. */
  final boolean progressBar(boolean noProgress) {
    return !noProgress && cli().terminal();
  }

  /** Runs the command on a connected client and returns its exit code. */
  abstract int run(AblClient client, PrintWriter out, PrintWriter err);

  @Override
  public final Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!(connection.deadlineSeconds > 0)) {
      throw new ParameterException(spec.commandLine(),
          "--deadline-seconds must be > 0, got " + connection.deadlineSeconds);
    }
    AblCli cli = cli();
    ConnectionSettings settings;
    try {
      settings = connection.resolve(cli.env());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    AblClient client;
    try {
      client = cli.clientFactory().connect(settings);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    try (client) {
      return run(client, out, err);
    } catch (AblClientException e) {
      err.println("error: " + e.code() + ": " + e.description());
      return AblCli.EXIT_RPC_ERROR;
    } finally {
      out.flush();
      err.flush();
    }
  }
}
