package io.ablserve.server.worker;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.config.SlotSpec;
import io.ablserve.server.config.WorkersConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Workers as JVMs on this host, on this server's classpath ({@code --isolation process}), each logging to
 * {@code worker.log} beside its session's checkpoints.
 */
final class LocalProcesses implements WorkerLauncher {
  private static final Logger logger = Logger.getLogger(LocalProcesses.class.getName());

  private final WorkersConfig config;
  private final Path dataDir;

  LocalProcesses(WorkersConfig config, Path dataDir) {
    this.config = requireNonNull(config, "config");
    this.dataDir = requireNonNull(dataDir, "dataDir");
  }

  @Override
  public LaunchedWorker launch(SlotSpec slot, String sessionId, String token, int channelPort)
      throws IOException {
    Path log = WorkerRun.logFile(dataDir, sessionId);
    Files.createDirectories(log.getParent());
    ProcessBuilder builder =
        new ProcessBuilder(command(slot, sessionId, channelPort))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put(WorkerMain.TOKEN_ENV, token);
    if (slot.threads() > 0) {
      builder.environment().put("OMP_NUM_THREADS", Integer.toString(slot.threads()));
    }
    if (slot.isGpu()) {
      // The worker sees only its GPU, as gpu:0: no CUDA context on the others.
      builder.environment().put("CUDA_VISIBLE_DEVICES", Integer.toString(slot.gpuIndex()));
    }
    Process process = builder.start();
    logger.info("session " + sessionId + " trains in worker process " + process.pid() + " on " + slot.name());
    return new LocalWorker(process, slot, log);
  }

  /** The command line of a worker on {@code slot}: this JVM's java and classpath, {@link WorkerCommand}. */
  List<String> command(SlotSpec slot, String sessionId, int channelPort) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(WorkerCommand.jvmOptions(slot, WorkerCommand.configuredOptions(config)));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.addAll(WorkerCommand.mainArguments(Integer.toString(channelPort), sessionId));
    return command;
  }

  /** One worker process. */
  private static final class LocalWorker implements LaunchedWorker {
    private final Process process;
    private final SlotSpec slot;
    private final Path log;

    LocalWorker(Process process, SlotSpec slot, Path log) {
      this.process = process;
      this.slot = slot;
      this.log = log;
    }

    @Override
    public String name() {
      return "worker process " + process.pid() + " on slot " + slot.name();
    }

    @Override
    public Optional<Exit> exit() {
      if (process.isAlive()) {
        return Optional.empty();
      }
      int code = process.exitValue();
      // Above 128: killed by a signal (kill -9, the OOM killer).
      return Optional.of(new Exit(code > 128 ? Ending.KILLED : Ending.EXITED, code, ""));
    }

    @Override
    public Optional<Exit> awaitExit(Duration timeout) throws InterruptedException {
      process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return exit();
    }

    @Override
    public void kill() {
      process.destroyForcibly();
    }

    @Override
    public String logTail() {
      try {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        List<String> tail = lines.subList(Math.max(0, lines.size() - 3), lines.size());
        return tail.isEmpty() ? "" : ": " + String.join(" | ", tail);
      } catch (IOException e) {
        return "";
      }
    }

    @Override
    public long pid() {
      return process.pid();
    }

    @Override
    public void release() {
      if (process.isAlive()) {
        process.destroyForcibly();
      }
    }
  }
}
