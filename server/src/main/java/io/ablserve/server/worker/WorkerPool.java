package io.ablserve.server.worker;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.config.SlotSpec;
import io.ablserve.server.config.WorkersConfig;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetLimits;
import io.ablserve.server.session.SlotTrainers;
import io.ablserve.server.session.Trainer;
import io.ablserve.v1.SessionConfig;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Trains each session in a worker process of its own, a JVM on this server's classpath running {@link
 * WorkerMain}, pinned to the session's slot (its GPU, or its CPU thread count). Workers report over a gRPC
 * channel this pool serves on the loopback interface, each with a secret token of its own.
 */
public final class WorkerPool implements SlotTrainers {
  private final WorkersConfig config;
  private final Path dataDir;
  private final DatasetCatalog catalog;
  private final DatasetLimits limits;
  private final WorkerChannel channel = new WorkerChannel();
  private final Server server;
  private final Map<SlotSpec, Process> running = new ConcurrentHashMap<>();

  /** Starts the worker channel on a free loopback port. */
  public WorkerPool(WorkersConfig config, Path dataDir, DatasetCatalog catalog, DatasetLimits limits) {
    this.config = requireNonNull(config, "config");
    this.dataDir = requireNonNull(dataDir, "dataDir");
    this.catalog = requireNonNull(catalog, "catalog");
    this.limits = requireNonNull(limits, "limits");
    try {
      this.server =
          NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .addService(channel)
              .maxInboundMessageSize(64 << 20) // an isolation result lists every isolated sample
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the worker channel on loopback: " + e.getMessage(), e);
    }
  }

  @Override
  public Trainer on(SlotSpec slot, String sessionId, SessionConfig sessionConfig) {
    Path root =
        catalog.root(sessionConfig.getDataset().getName())
            .orElseThrow(() -> new IllegalStateException(
                "dataset '" + sessionConfig.getDataset().getName() + "' is no longer served"));
    return new WorkerRun(this, slot, sessionId, sessionConfig, root);
  }

  @Override
  public boolean isolated() {
    return true;
  }

  @Override
  public long workerPid(SlotSpec slot) {
    Process process = running.get(slot);
    return process == null ? 0 : process.pid();
  }

  @Override
  public void close() {
    running.values().forEach(Process::destroyForcibly);
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  WorkersConfig config() {
    return config;
  }

  WorkerChannel channel() {
    return channel;
  }

  Path dataDir() {
    return dataDir;
  }

  DatasetLimits limits() {
    return limits;
  }

  int port() {
    return server.getPort();
  }

  void started(SlotSpec slot, Process process) {
    running.put(slot, process);
  }

  void ended(SlotSpec slot, Process process) {
    running.remove(slot, process);
  }

  /**
   * The command line of a worker on {@code slot}: this JVM's own options (offline DJL, stack size, heap),
   * less debugging agents and the thread counts the slot sets, then the configured worker options.
   */
  List<String> command(SlotSpec slot, String sessionId) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      boolean agent =
          option.startsWith("-javaagent") || option.startsWith("-agentlib")
              || option.startsWith("-agentpath") || option.startsWith("-Xrunjdwp");
      boolean threads =
          slot.threads() > 0
              && (option.startsWith("-Dai.djl.pytorch.num_threads=")
                  || option.startsWith("-Dai.djl.pytorch.num_interop_threads="));
      if (!agent && !threads) {
        command.add(option);
      }
    }
    if (slot.threads() > 0) {
      command.add("-Dai.djl.pytorch.num_threads=" + slot.threads());
      command.add("-Dai.djl.pytorch.num_interop_threads=1");
    }
    command.addAll(config.workerJvmOptions());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(WorkerMain.class.getName());
    command.add(Integer.toString(port()));
    command.add(sessionId);
    return command;
  }
}
