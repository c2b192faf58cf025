package io.ablserve.server.worker;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.google.protobuf.Timestamp;
import io.ablserve.server.AttackModule;
import io.ablserve.server.DefenseModule;
import io.ablserve.server.config.WorkerKeepalive;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetLimits;
import io.ablserve.server.session.DeviceResolver;
import io.ablserve.server.session.SavedModels;
import io.ablserve.server.session.SessionConfigResolver;
import io.ablserve.server.session.SlotMemory;
import io.ablserve.server.session.TelemetryEvents;
import io.ablserve.server.train.EpochReport;
import io.ablserve.server.train.ExperimentRunner;
import io.ablserve.server.train.Experiment;
import io.ablserve.server.train.FilterReport;
import io.ablserve.server.train.IsolationReport;
import io.ablserve.server.train.Phase;
import io.ablserve.server.train.StepReport;
import io.ablserve.server.train.TrainingCancelledException;
import io.ablserve.server.train.TrainingListener;
import io.ablserve.server.train.TrainingOutcome;
import io.ablserve.v1.SessionEvent;
import io.ablserve.worker.v1.Assignment;
import io.ablserve.worker.v1.AttachRequest;
import io.ablserve.worker.v1.Cancelled;
import io.ablserve.worker.v1.ControlMessage;
import io.ablserve.worker.v1.Finished;
import io.ablserve.worker.v1.Heartbeat;
import io.ablserve.worker.v1.Hello;
import io.ablserve.worker.v1.WorkerChannelServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A worker process: trains one session with the training core, unchanged, and reports everything to the
 * control plane that started it over the worker channel. It writes only its staged checkpoints and the
 * session's model (the files of its own session); the control plane writes the store. It exits when its
 * run ends, when the channel breaks, when its control plane stops answering the channel's keepalive pings
 * ({@link WorkerKeepalive}, from system properties), or when its parent dies.
 *
 * <p>Usage: {@code WorkerMain CONTROL_PORT SESSION_ID} (the control plane on loopback, its parent) or
 * {@code WorkerMain HOST:PORT SESSION_ID} (elsewhere), the token in {@code ABLSERVE_WORKER_TOKEN}.
 */
public final class WorkerMain {
  /** The environment variable that carries the worker's secret: never on its command line. */
  public static final String TOKEN_ENV = "ABLSERVE_WORKER_TOKEN";
  /** Exit code of a worker whose control plane went away. */
  static final int ORPHANED = 3;

  private final String sessionId;
  private final StreamObserver<AttachRequest> out;
  private final BlockingQueue<ControlMessage> control = new LinkedBlockingQueue<>();
  private final AtomicBoolean cancelled = new AtomicBoolean();
  private volatile boolean finished;

  private WorkerMain(String sessionId, WorkerChannelServiceGrpc.WorkerChannelServiceStub stub) {
    this.sessionId = sessionId;
    this.out =
        stub.attach(
            new StreamObserver<>() {
              @Override
              public void onNext(ControlMessage message) {
                if (message.hasCancel()) {
                  cancelled.set(true);
                } else {
                  control.add(message);
                }
              }

              @Override
              public void onError(Throwable t) {
                orphaned("the control plane's channel broke: " + t);
              }

              @Override
              public void onCompleted() {
                orphaned("the control plane ended the channel");
              }
            });
  }

  public static void main(String[] args) throws Exception {
    // A bare port: the control plane is this worker's parent, on loopback. HOST:PORT: it is elsewhere
    // (the worker is a Kubernetes Job's pod), and a broken channel is how its end shows.
    String controlPlane = args[0];
    int colon = controlPlane.lastIndexOf(':');
    String host = colon < 0 ? "127.0.0.1" : controlPlane.substring(0, colon);
    int port = Integer.parseInt(controlPlane.substring(colon + 1));
    String sessionId = args[1];
    String token = System.getenv(TOKEN_ENV);
    if (token == null) {
      System.err.println("ablserve worker: " + TOKEN_ENV + " is not set");
      System.exit(2);
    }
    if (colon < 0) {
      watchParent();
    }
    ManagedChannel channel = channel(host, port, WorkerKeepalive.fromSystemProperties());
    WorkerMain worker = new WorkerMain(sessionId, WorkerChannelServiceGrpc.newStub(channel));
    int code = worker.run(token);
    channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);
    System.exit(code);
  }

  /**
   * The worker's channel to its control plane. A control plane whose host vanished without a TCP reset
   * sends nothing more, and this worker's messages just buffer: only an unanswered ping breaks the
   * channel then, so that the worker exits as orphaned instead of training on for no one.
   */
  static ManagedChannel channel(String host, int port, WorkerKeepalive keepalive) {
    return NettyChannelBuilder.forAddress(host, port)
        .usePlaintext()
        .maxInboundMessageSize(64 << 20)
        .keepAliveTime(keepalive.time().toMillis(), TimeUnit.MILLISECONDS)
        .keepAliveTimeout(keepalive.timeout().toMillis(), TimeUnit.MILLISECONDS)
        .keepAliveWithoutCalls(true) // from its first byte, before the attach call is open
        .build();
  }

  private int run(String token) throws InterruptedException {
    send(AttachRequest.newBuilder()
        .setHello(Hello.newBuilder()
            .setSessionId(sessionId)
            .setToken(token)
            .setPid(ProcessHandle.current().pid()))
        .build());
    ControlMessage first = control.poll(60, TimeUnit.SECONDS);
    if (first == null || !first.hasAssignment()) {
      System.err.println("ablserve worker: no assignment from the control plane");
      return ORPHANED;
    }
    ScheduledExecutorService heartbeat =
        Executors.newSingleThreadScheduledExecutor(r -> {
          Thread thread = new Thread(r, "ablserve-worker-heartbeat");
          thread.setDaemon(true);
          return thread;
        });
    Device device = device(first.getAssignment());
    heartbeat.scheduleAtFixedRate(() -> {
      SlotMemory memory = SlotMemory.sample(device);
      send(AttachRequest.newBuilder()
          .setHeartbeat(Heartbeat.newBuilder()
              .setResidentBytes(memory.residentBytes())
              .setGpuMemoryUsedBytes(memory.gpuUsedBytes())
              .setGpuMemoryTotalBytes(memory.gpuTotalBytes()))
          .build());
    }, 1, 1, TimeUnit.SECONDS);
    Finished.Builder end = Finished.newBuilder();
    try {
      end.setResult(TelemetryEvents.result(train(first.getAssignment())));
    } catch (TrainingCancelledException e) {
      end.setCancelled(cancelledAt(e));
    } catch (Exception | Error e) {
      e.printStackTrace();
      end.setFailure(e.getMessage() == null ? e.toString() : e.getMessage());
    }
    heartbeat.shutdownNow();
    finished = true;
    send(AttachRequest.newBuilder().setFinished(end).build());
    synchronized (out) {
      out.onCompleted();
    }
    return 0;
  }

  private TrainingOutcome train(Assignment job) throws Exception {
    Path dataDir = Path.of(job.getDataDir());
    String dataset = job.getConfig().getDataset().getName();
    DatasetLimits d = DatasetLimits.DEFAULTS;
    DatasetCatalog catalog =
        new DatasetCatalog(
            Map.of(dataset, Path.of(job.getDatasetRoot())),
            new DatasetLimits(
                job.getMaxDecodedBytes(), job.getMaxImageSidePx(), d.maxZipEntries(),
                d.maxUnpackedBytes()));
    // The config was resolved by the control plane; resolving it again gives the same experiment. The
    // device is the slot's, whatever the config asked for.
    Experiment experiment =
        new SessionConfigResolver(
                new DeviceResolver(() -> Engine.getInstance().getGpuCount()), "cpu", e -> {},
                catalog::describe)
            .resolve(job.getConfig().toBuilder().setDevice("cpu").build())
            .experiment();
    return new ExperimentRunner(catalog, DefenseModule.strategies(), AttackModule.attacks())
        .run(
            experiment, device(job), new Reporter(), cancelled::get,
            new StagedCheckpoints(dataDir, sessionId, this::send, control),
            new SavedModels(dataDir).sinkFor(sessionId, job.getConfig()));
  }

  /** The slot's device: a GPU slot's worker sees only its GPU, as gpu:0. */
  private static Device device(Assignment job) {
    return job.getDevice().startsWith("gpu") ? Device.gpu(0) : Device.cpu();
  }

  /** Sends the training core's reports in their event form, in order. */
  private final class Reporter implements TrainingListener {
    @Override
    public void onPhase(Phase phase, int epoch) {
      event(TelemetryEvents.phaseChange(phase, epoch));
    }

    @Override
    public void onStep(StepReport report) {
      event(TelemetryEvents.step(report));
    }

    @Override
    public void onEpoch(EpochReport report) {
      event(TelemetryEvents.epoch(report));
    }

    @Override
    public void onIsolation(IsolationReport report) {
      event(TelemetryEvents.isolation(report));
    }

    @Override
    public void onFilter(FilterReport report) {
      event(TelemetryEvents.filter(report));
    }

    @Override
    public void onBackdoorCheck(io.ablserve.server.train.BackdoorCheckReport report) {
      event(TelemetryEvents.check(report));
    }

    private void event(SessionEvent.Builder event) {
      Instant now = Instant.now();
      send(AttachRequest.newBuilder()
          .setEvent(event)
          .setSentAt(Timestamp.newBuilder()
              .setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
          .build());
    }
  }

  private void send(AttachRequest message) {
    synchronized (out) { // the training thread and the heartbeat both send
      out.onNext(message);
    }
  }

  private void orphaned(String why) {
    if (!finished) {
      System.err.println("ablserve worker: " + why + "; exiting");
      Runtime.getRuntime().halt(ORPHANED);
    }
  }

  /** A worker whose parent died exits, even if its channel somehow stays open. */
  private static void watchParent() {
    ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
    Thread watcher =
        new Thread(
            () -> {
              while (true) {
                if (parent == null || !parent.isAlive()) {
                  System.err.println("ablserve worker: the server process is gone; exiting");
                  Runtime.getRuntime().halt(ORPHANED);
                }
                try {
                  Thread.sleep(1000);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "ablserve-worker-parent-watch");
    watcher.setDaemon(true);
    watcher.start();
  }

  /** Where the training core stopped: its message reads "cancelled at epoch E, step S". */
  private static Cancelled cancelledAt(TrainingCancelledException e) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("epoch (-?\\d+), step (-?\\d+)").matcher(String.valueOf(e.getMessage()));
    return m.find()
        ? Cancelled.newBuilder().setEpoch(Integer.parseInt(m.group(1))).setStep(Long.parseLong(m.group(2))).build()
        : Cancelled.newBuilder().setEpoch(-1).setStep(-1).build();
  }
}
