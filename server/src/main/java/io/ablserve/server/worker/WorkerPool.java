package io.ablserve.server.worker;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.AbstractIdleService;
import io.ablserve.server.config.SlotSpec;
import io.ablserve.server.config.WorkersConfig;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetLimits;
import io.ablserve.server.session.SlotMemory;
import io.ablserve.server.session.SlotTrainers;
import io.ablserve.server.session.Trainer;
import io.ablserve.v1.SessionConfig;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Trains each session in a worker of its own, pinned to the session's slot (its GPU, or its CPU thread
 * count): a JVM on this server's classpath running {@link WorkerMain} ({@code --isolation process}), or
 * whatever another {@link WorkerLauncher} starts (a Kubernetes Job). Workers report over a gRPC channel
 * this pool serves, each with a secret token of its own: on the loopback interface for local processes.
 * It is a service: the channel listens once started, before the sessions it trains are restored.
 */
public final class WorkerPool extends AbstractIdleService implements SlotTrainers {
  private final WorkersConfig config;
  private final Path dataDir;
  private final DatasetCatalog catalog;
  private final DatasetLimits limits;
  private final WorkerLauncher launcher;
  private final WorkerChannel channel = new WorkerChannel();
  private final Server server;
  private final Map<SlotSpec, LaunchedWorker> running = new ConcurrentHashMap<>();
  private final Map<SlotSpec, SlotMemory> memory = new ConcurrentHashMap<>();
  private final InetSocketAddress channelAddress;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final HopLatency hopLatency = new HopLatency();

  /** Workers as local processes; the worker channel will listen on a free loopback port. */
  public WorkerPool(WorkersConfig config, Path dataDir, DatasetCatalog catalog, DatasetLimits limits) {
    this(config, dataDir, catalog, limits, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        new LocalProcesses(config, dataDir));
  }

  /** Workers started by {@code launcher}; the worker channel will listen on {@code channelAddress}. */
  public WorkerPool(
      WorkersConfig config,
      Path dataDir,
      DatasetCatalog catalog,
      DatasetLimits limits,
      InetSocketAddress channelAddress,
      WorkerLauncher launcher) {
    this.config = requireNonNull(config, "config");
    this.dataDir = requireNonNull(dataDir, "dataDir");
    this.catalog = requireNonNull(catalog, "catalog");
    this.limits = requireNonNull(limits, "limits");
    this.launcher = requireNonNull(launcher, "launcher");
    this.channelAddress = requireNonNull(channelAddress, "channelAddress");
    this.server =
        NettyServerBuilder.forAddress(channelAddress)
            .addService(channel)
            .maxInboundMessageSize(64 << 20) // an isolation result lists every isolated sample
            // Its workers ping as often as it told them to (WorkerCommand). Permitting fewer pings
            // (gRPC's default is one per 5 min) would answer them with GOAWAY too_many_pings, and the
            // worker, its channel broken, would exit as orphaned about 30 s into a quiet epoch.
            .permitKeepAliveTime(config.keepalive().time().toMillis(), TimeUnit.MILLISECONDS)
            .permitKeepAliveWithoutCalls(true)
            .build();
  }

  @Override
  protected void startUp() throws IOException {
    launcher.start();
    try {
      server.start();
    } catch (IOException e) {
      throw new IOException(
          "cannot open the worker channel on " + channelAddress + ": " + e.getMessage(), e);
    }
  }

  /** The sessions service closed the pool as it stopped its trainers; this makes sure. */
  @Override
  protected void shutDown() {
    close();
  }

  @Override
  protected String serviceName() {
    return "workers";
  }

  @Override
  public Trainer on(SlotSpec slot, String sessionId, SessionConfig sessionConfig) {
    return on(slot, sessionId, sessionConfig, () -> true);
  }

  @Override
  public boolean startsWhenAdmitted() {
    return launcher.holdsUntilAdmitted();
  }

  @Override
  public Trainer on(
      SlotSpec slot, String sessionId, SessionConfig sessionConfig, BooleanSupplier admitted) {
    Path root =
        catalog.root(sessionConfig.getDataset().getName())
            .orElseThrow(() -> new IllegalStateException(
                "dataset '" + sessionConfig.getDataset().getName() + "' is no longer served"));
    return new WorkerRun(this, slot, sessionId, sessionConfig, root, admitted);
  }

  @Override
  public boolean isolated() {
    return true;
  }

  @Override
  public String isolation() {
    return launcher.isolation();
  }

  @Override
  public SlotSpec asRun(SlotSpec slot) {
    return launcher.asRun(slot);
  }

  @Override
  public long workerPid(SlotSpec slot) {
    LaunchedWorker worker = running.get(slot);
    return worker == null ? 0 : worker.pid();
  }

  /** As its worker's last heartbeat told it. */
  @Override
  public SlotMemory memory(SlotSpec slot, ai.djl.Device device) {
    return memory.getOrDefault(slot, SlotMemory.NONE);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    running.values().forEach(LaunchedWorker::kill);
    launcher.close();
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

  /** How long workers' events take to reach their sessions, from the worker's send. */
  public HopLatency hopLatency() {
    return hopLatency;
  }

  /** The port the worker channel listens on. */
  public int port() {
    return server.getPort();
  }

  LaunchedWorker launch(SlotSpec slot, String sessionId, String token) throws IOException {
    LaunchedWorker worker = launcher.launch(slot, sessionId, token, port());
    running.put(slot, worker);
    return worker;
  }

  void ended(SlotSpec slot, LaunchedWorker worker) {
    if (running.remove(slot, worker)) {
      memory.remove(slot);
    }
  }

  /** What the worker on {@code slot} said of its memory in its latest heartbeat. */
  void heard(SlotSpec slot, SlotMemory reported) {
    memory.put(slot, reported);
  }
}
