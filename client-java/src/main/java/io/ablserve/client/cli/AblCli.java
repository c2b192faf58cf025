package io.ablserve.client.cli;

import static java.util.Objects.requireNonNull;

import io.ablserve.client.AblClient;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code ablserve} command line: {@code run}, {@code watch}, {@code list}, {@code cancel}, {@code
 * export}, {@code evaluate}, {@code upload}, {@code datasets}, {@code thumbnails}. Usable
 * in-process as {@code new CommandLine(new AblCli()).execute(args)}, with the picocli writers as its
 * output. Exit codes: {@value #EXIT_OK} ok, {@value #EXIT_SESSION_NOT_SUCCEEDED} the session ended
 * FAILED, CANCELLED or INTERRUPTED, {@value #EXIT_USAGE} bad usage, {@value #EXIT_RPC_ERROR} a gRPC
 * error (printed as {@code error: CODE: description}).
 */
@Command(
    name = "ablserve",
    mixinStandardHelpOptions = true,
    versionProvider = AblCli.Version.class,
    description = "Run and watch Anti-Backdoor Learning sessions on an ablserve server.",
    subcommands = {
      RunCommand.class, WatchCommand.class, ListCommand.class, CancelCommand.class,
      ExportCommand.class, EvaluateCommand.class, UploadCommand.class, DatasetsCommand.class,
      ThumbnailsCommand.class, DefaultsCommand.class, DevicesCommand.class, ResumeCommand.class,
      HelpCommand.class
    })
public final class AblCli implements Runnable {
  public static final int EXIT_OK = 0;
  public static final int EXIT_SESSION_NOT_SUCCEEDED = 1;
  public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;
  public static final int EXIT_RPC_ERROR = 3;

  /** Makes the client a command talks through; tests pass one on an in-process channel. */
  @FunctionalInterface
  public interface ClientFactory {
    AblClient connect(ConnectionSettings settings);
  }

  /**
   * Held strongly: java.util.logging forgets the level of a logger nobody references. grpc logs
   * channel trouble (an unknown host) as a warning with a stack trace; the CLI already reports every
   * failure as {@code error: CODE: description}.
   */
  private static final Logger GRPC_LOGGER = Logger.getLogger("io.grpc");

  private final ClientFactory clientFactory;
  private final Map<String, String> env;
  private boolean terminal = Terminal.attached();

  @Spec CommandSpec spec;

  /** Connects as the options and the process's environment say. */
  public AblCli() {
    this(ConnectionSettings::connect, System.getenv());
  }

  public AblCli(ClientFactory clientFactory) {
    this(clientFactory, System.getenv());
  }

  /** Reads {@code ABLSERVE_TOKEN} and {@code ABLSERVE_TOKEN_FILE} from {@code env}. */
  public AblCli(ClientFactory clientFactory, Map<String, String> env) {
    this.clientFactory = requireNonNull(clientFactory, "clientFactory");
    this.env = Map.copyOf(requireNonNull(env, "env"));
  }

  ClientFactory clientFactory() {
    return clientFactory;
  }

  Map<String, String> env() {
    return env;
  }

  /** Whether progress bars may be drawn: a person at a terminal, not a log file or a pipe. */
  boolean terminal() {
    return terminal;
  }

  /** Overrides the terminal check, for tests that run the CLI in-process. */
  AblCli terminal(boolean terminal) {
    this.terminal = terminal;
    return this;
  }

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(),
        "Missing subcommand: run, watch, list, cancel, export, evaluate, upload, datasets");
  }

  public static void main(String[] args) {
    GRPC_LOGGER.setLevel(Level.OFF);
    System.exit(new CommandLine(new AblCli()).execute(args));
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = AblCli.class.getPackage().getImplementationVersion();
      return new String[] {"ablserve " + (version == null ? "(development build)" : version)};
    }
  }
}
