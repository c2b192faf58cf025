package io.ablserve.bench;

import com.google.inject.Guice;
import io.ablserve.server.TrainingModule;
import io.ablserve.server.api.AblServer;
import io.ablserve.server.api.GrpcServerModule;
import io.ablserve.server.config.ConfigModule;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.metrics.MetricsModule;
import io.ablserve.server.session.SessionModule;
import io.ablserve.server.store.StoreModule;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What watchers cost training, and how late they hear of a step: the real server in this process (Netty
 * on a loopback port, the SQLite store every event goes through, DJL training), the same session trained
 * once per watcher count, each watcher a gRPC client on its own connection. Training speed comes from the
 * session's own telemetry (images over the training time of its epochs, evaluation excluded); latency is
 * a step event's server timestamp ({@code SessionEvent.time}, same clock) to its arrival at a watcher.
 * Prints one JSON line per configuration, appends them to {@code --results}, then a table.
 */
@Command(name = "watchers-bench", mixinStandardHelpOptions = true)
public final class WatchersBench implements Callable<Integer> {
  @Option(names = "--watchers", split = ",", defaultValue = "0,1,50",
      description = "Watcher counts, one training run each (default: ${DEFAULT-VALUE}).")
  int[] watcherCounts;

  @Option(names = "--train-limit", defaultValue = "20000")
  int trainLimit;

  @Option(names = "--test-limit", defaultValue = "1000")
  int testLimit;

  @Option(names = "--epochs", defaultValue = "3")
  int epochs;

  @Option(names = "--isolation-epochs", defaultValue = "1")
  int isolationEpochs;

  @Option(names = "--batch-size", defaultValue = "64")
  int batchSize;

  @Option(names = "--step-report-interval", defaultValue = "1",
      description = "A step event every N steps (default: ${DEFAULT-VALUE}, every step).")
  int stepReportInterval;

  @Option(names = "--seed", defaultValue = "1")
  long seed;

  @Option(names = "--warmup", negatable = true, defaultValue = "true",
      description = "Train a small session first, so the first configuration does not pay for loading"
          + " the engine, the data and the JIT (default: on).")
  boolean warmup;

  @Option(names = "--dataset-dir", defaultValue = "/usr/share/datasets/fashion-mnist")
  Path datasetDir;

  @Option(names = "--label", defaultValue = "")
  String label;

  @Option(names = "--results", description = "JSON-lines file the rows are appended to")
  Path results;

  @Override
  public Integer call() throws Exception {
    Path dataDir = Files.createTempDirectory("ablserve-watchers-bench-");
    ServerConfig d = ServerConfig.DEFAULTS;
    ServerConfig config =
        new ServerConfig(
            0, "127.0.0.1", dataDir, "cpu",
            java.util.Map.of("fashion-mnist", datasetDir), d.maxQueuedSessions());
    AblServer server =
        Guice.createInjector(
                new ConfigModule(config), new GrpcServerModule(), new SessionModule(),
                new StoreModule(), new MetricsModule(), new TrainingModule())
            .getInstance(AblServer.class)
            .start();
    ManagedChannel control = channel(server.port());
    List<String> rows = new ArrayList<>();
    try {
      if (warmup) {
        System.err.println("== warm-up");
        train(control, session(Math.min(trainLimit, 2000), 2, 1));
      }
      for (int watchers : watcherCounts) {
        System.err.println("== " + watchers + " watchers");
        String row = run(server.port(), control, watchers);
        System.out.println(row);
        rows.add(row);
        if (results != null) {
          Files.writeString(
              results, row + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
      }
    } finally {
      control.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.close();
      deleteTree(dataDir);
    }
    System.out.print(BenchTable.render(rows));
    return 0;
  }

  private SessionConfig session(int limit, int sessionEpochs, int sessionIsolationEpochs) {
    return SessionConfig.newBuilder()
        .setDisplayName("watchers-bench")
        .setDataset(DatasetSpec.newBuilder().setTrainLimit(limit).setTestLimit(testLimit))
        .setAbl(
            AblConfig.newBuilder()
                .setEpochs(sessionEpochs)
                .setIsolationEpochs(sessionIsolationEpochs)
                .setBatchSize(batchSize)
                .setStepReportInterval(stepReportInterval))
        .setSeed(seed)
        .build();
  }

  /** Trains {@code config} with {@code watchers} clients following it; returns the result row. */
  private String run(int port, ManagedChannel control, int watchers) throws Exception {
    SessionServiceGrpc.SessionServiceBlockingStub stub = SessionServiceGrpc.newBlockingStub(control);
    Session session =
        stub.createSession(
            CreateSessionRequest.newBuilder()
                .setConfig(session(trainLimit, epochs, isolationEpochs))
                .build());
    List<Watcher> started = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      for (int i = 0; i < watchers; i++) {
        ManagedChannel channel = channel(port);
        channels.add(channel);
        Watcher watcher = new Watcher();
        SessionServiceGrpc.newStub(channel)
            .watchSession(
                WatchSessionRequest.newBuilder()
                    .setSessionId(session.getId())
                    .setFollow(true)
                    .build(),
                watcher);
        started.add(watcher);
      }
      List<SessionEvent> log = awaitEnd(control, session.getId());
      for (Watcher watcher : started) {
        watcher.await();
      }
      return row(watchers, log, started);
    } finally {
      for (ManagedChannel channel : channels) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** Trains {@code config} with nobody watching, to warm up. */
  private static void train(ManagedChannel control, SessionConfig config) {
    Session session =
        SessionServiceGrpc.newBlockingStub(control)
            .createSession(CreateSessionRequest.newBuilder().setConfig(config).build());
    awaitEnd(control, session.getId());
  }

  /** Follows the session to its end and returns its whole log; fails unless it succeeded. */
  private static List<SessionEvent> awaitEnd(ManagedChannel control, String sessionId) {
    List<SessionEvent> log = new ArrayList<>();
    SessionServiceGrpc.newBlockingStub(control)
        .watchSession(
            WatchSessionRequest.newBuilder().setSessionId(sessionId).setFollow(true).build())
        .forEachRemaining(log::add);
    SessionEvent last = log.get(log.size() - 1);
    if (last.getState().getState() != SessionState.SESSION_STATE_SUCCEEDED) {
      throw new IllegalStateException("session " + sessionId + " ended " + last.getState());
    }
    return log;
  }

  private String row(int watchers, List<SessionEvent> log, List<Watcher> started) {
    double trainSeconds = 0;
    double images = 0;
    List<Double> stepRates = new ArrayList<>();
    for (SessionEvent event : log) {
      if (event.hasEpoch()) {
        double seconds = event.getEpoch().getTrainElapsedMs() / 1000.0;
        trainSeconds += seconds;
        images += event.getEpoch().getImagesPerSecond() * seconds;
      } else if (event.hasStep()) {
        stepRates.add(event.getStep().getImagesPerSecond());
      }
    }
    Instant runningAt = null;
    Instant endedAt = time(log.get(log.size() - 1));
    for (SessionEvent event : log) {
      if (event.hasState() && event.getState().getState() == SessionState.SESSION_STATE_RUNNING) {
        runningAt = time(event);
      }
    }
    double[] latencies =
        started.stream().flatMap(w -> w.latenciesMs.stream()).mapToDouble(Double::doubleValue).sorted()
            .toArray();
    long delivered = started.stream().mapToLong(w -> w.received).sum();
    long expected = (long) log.size() * started.size();
    return String.format(
            Locale.ROOT,
            "{\"label\":\"%s\",\"watchers\":%d,\"train_images_per_second\":%.1f,"
                + "\"step_images_per_second_p50\":%.1f,\"train_seconds\":%.2f,\"session_seconds\":%.2f,"
                + "\"events\":%d,\"step_events\":%d,\"events_delivered\":%d,\"events_expected\":%d,"
                + "\"latency_ms_p50\":%s,\"latency_ms_p99\":%s,\"latency_ms_max\":%s,"
                + "\"latency_samples\":%d,\"train_limit\":%d,\"epochs\":%d,\"batch_size\":%d,"
                + "\"step_report_interval\":%d,\"threads\":%d}",
            label, watchers, images / trainSeconds, percentile(sorted(stepRates), 0.5), trainSeconds,
            Duration.between(runningAt, endedAt).toMillis() / 1000.0, log.size(), stepRates.size(),
            delivered, expected, json(percentile(latencies, 0.5)), json(percentile(latencies, 0.99)),
            json(latencies.length == 0 ? Double.NaN : latencies[latencies.length - 1]),
            latencies.length, trainLimit, epochs, batchSize, stepReportInterval,
            Integer.getInteger("ai.djl.pytorch.num_threads", -1));
  }

  private static double[] sorted(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
  }

  /** The nearest-rank percentile of sorted {@code values}; NaN for none. */
  static double percentile(double[] values, double p) {
    if (values.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p * values.length);
    return values[Math.max(0, Math.min(values.length - 1, rank - 1))];
  }

  private static String json(double value) {
    return Double.isNaN(value) ? "null" : String.format(Locale.ROOT, "%.3f", value);
  }

  private static Instant time(SessionEvent event) {
    return Instant.ofEpochSecond(event.getTime().getSeconds(), event.getTime().getNanos());
  }

  private static ManagedChannel channel(int port) {
    // The watchers' handlers only record a time, so they run on the channel's event loop rather than
    // waking an executor thread per message: the clients share this machine's cores with the training
    // being measured, which remote notebooks would not.
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().directExecutor().build();
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  /**
   * One client following the session. A step logged before the watch was set up arrives as a replay,
   * not live, so its latency is left out: only steps logged after the first event arrived count (the
   * server subscribes a watch before it sends anything).
   */
  private static final class Watcher implements StreamObserver<SessionEvent> {
    private final CountDownLatch done = new CountDownLatch(1);
    private final List<Double> latenciesMs = new ArrayList<>();
    private Instant liveFrom; // the first event's arrival
    private long received;
    private volatile Throwable error;

    @Override
    public void onNext(SessionEvent event) {
      Instant now = Instant.now();
      if (liveFrom == null) {
        liveFrom = now;
      }
      received++;
      Instant logged = time(event);
      if (event.hasStep() && logged.isAfter(liveFrom)) {
        latenciesMs.add(Duration.between(logged, now).toNanos() / 1e6);
      }
    }

    @Override
    public void onError(Throwable t) {
      error = t;
      done.countDown();
    }

    @Override
    public void onCompleted() {
      done.countDown();
    }

    void await() throws InterruptedException {
      if (!done.await(5, TimeUnit.MINUTES)) {
        throw new IllegalStateException("a watcher did not see the session end within 5 minutes");
      }
      if (error != null) {
        throw new IllegalStateException("a watcher failed: " + error, error);
      }
    }
  }

  /** The result rows as a table, from their JSON. */
  static final class BenchTable {
    private BenchTable() {}

    static String render(List<String> rows) {
      StringBuilder out = new StringBuilder();
      out.append(String.format(Locale.ROOT, "%8s %12s %12s %10s %12s %12s %12s%n", "watchers",
          "train img/s", "vs 0", "train s", "lat p50 ms", "lat p99 ms", "delivered"));
      double base = Double.NaN;
      for (String row : rows) {
        int watchers = (int) field(row, "watchers");
        double rate = field(row, "train_images_per_second");
        if (watchers == 0) {
          base = rate;
        }
        out.append(String.format(Locale.ROOT, "%8d %12.1f %12s %10.1f %12s %12s %12s%n", watchers, rate,
            Double.isNaN(base) ? "-" : String.format(Locale.ROOT, "%+.1f%%", 100 * (rate / base - 1)),
            field(row, "train_seconds"), text(row, "latency_ms_p50"), text(row, "latency_ms_p99"),
            (long) field(row, "events_delivered") + "/" + (long) field(row, "events_expected")));
      }
      return out.toString();
    }

    private static double field(String row, String name) {
      String value = text(row, name);
      return value.equals("null") ? Double.NaN : Double.parseDouble(value);
    }

    private static String text(String row, String name) {
      int start = row.indexOf("\"" + name + "\":") + name.length() + 3;
      int end = start;
      while (end < row.length() && row.charAt(end) != ',' && row.charAt(end) != '}') {
        end++;
      }
      return row.substring(start, end);
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new WatchersBench()).execute(args));
  }
}
