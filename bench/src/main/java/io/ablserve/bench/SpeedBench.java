package io.ablserve.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.ablserve.server.DefenseModule;
import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.AttackKind;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetRef;
import io.ablserve.server.data.ImageSet;
import io.ablserve.server.model.ModelArch;
import io.ablserve.server.session.DeviceResolver;
import io.ablserve.server.train.AblConfig;
import io.ablserve.server.train.Checkpoints;
import io.ablserve.server.train.Defense;
import io.ablserve.server.train.EpochReport;
import io.ablserve.server.train.Experiment;
import io.ablserve.server.train.ExperimentRunner;
import io.ablserve.server.train.IsolationReport;
import io.ablserve.server.train.ModelSink;
import io.ablserve.server.train.Phase;
import io.ablserve.server.train.TrainingListener;
import io.ablserve.server.train.TrainingOutcome;
import io.ablserve.server.train.TrainingProbe;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.ModelSpec;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The DJL side of bench/speed.sh. {@code micro}: training, inference and ranking-pass throughput of the
 * small CNN on Fashion-MNIST and WRN-16-1 on CIFAR-format data, through the trainer's own classes (the
 * PyTorch reference, bench/torch_reference.py, measures the same on the same data). {@code sessions}: a
 * full ABL session against plain training of the same epochs, and a session through the real server
 * over gRPC with one watcher against the same training called in process. Rows go to {@code --results}.
 */
@Command(name = "speed-bench", mixinStandardHelpOptions = true)
public final class SpeedBench implements Callable<Integer> {
  @Parameters(index = "0", description = "micro or sessions")
  String mode;

  @Option(names = "--fashion-mnist", defaultValue = "/usr/share/datasets/fashion-mnist")
  Path fashionMnist;

  @Option(names = "--cifar-dir", description = "CIFAR-10 binary folder; written with random images if absent",
      defaultValue = "bench/target/synthetic-cifar")
  Path cifarDir;

  @Option(names = "--cnn-train", defaultValue = "20000", description = "Fashion-MNIST training images (micro)")
  int cnnTrain;

  @Option(names = "--wrn-train", defaultValue = "5000", description = "CIFAR-format training images (micro)")
  int wrnTrain;

  @Option(names = "--epochs", defaultValue = "2", description = "measured training epochs, after 1 warm-up epoch")
  int epochs;

  @Option(names = "--batch-size", defaultValue = "128")
  int batchSize;

  @Option(names = "--models", split = ",", defaultValue = "SMALL_CNN,WRN_16_1")
  List<ModelArch> models;

  @Option(names = "--session-train", defaultValue = "10000", description = "Fashion-MNIST images per session")
  int sessionTrain;

  @Option(names = "--session-test", defaultValue = "2000")
  int sessionTest;

  @Option(names = "--session-epochs", defaultValue = "6", description = "epochs per session; ABL isolates for half")
  int sessionEpochs;

  @Option(names = "--repeats", defaultValue = "2", description = "alternating A/B pairs per session comparison")
  int repeats;

  @Option(names = "--seed", defaultValue = "1")
  long seed;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or gpu:N, as the server takes it")
  String device;

  @Option(names = "--profile", description = "micro: after the measured epochs, train one more under"
      + " libtorch's profiler and write its Chrome trace to DIR/ablserve-<model>.json (bench/op_profile.py)")
  Path profileDir;

  @Option(names = "--results", description = "JSON-lines file rows are appended to")
  Path results;

  /**
   * CPU time of the calling thread: with one intra-op thread every kernel runs on it, so this measures the
   * work done even where other processes share the cores (bench/ab.sh compares sides by it).
   */
  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  private ResultLog log;

  @Override
  public Integer call() throws Exception {
    log = new ResultLog(results);
    switch (mode) {
      case "micro" -> {
        for (ModelArch arch : models) {
          onFreshThread(() -> micro(arch));
        }
      }
      case "sessions" -> {
        ablVersusPlain();
        serverOverhead();
      }
      default -> throw new CommandLine.ParameterException(
          new CommandLine(this), "mode must be micro or sessions, got " + mode);
    }
    return 0;
  }

  /** Work that may throw. */
  private interface Work {
    void run() throws Exception;
  }

  /**
   * Runs {@code work} on a new thread and waits: the server trains on its own thread, not on the one that
   * loaded the engine, and PyTorch keeps per-thread state (grad mode) that differs between the two.
   */
  private static void onFreshThread(Work work) throws Exception {
    Exception[] failure = new Exception[1];
    Thread thread =
        new Thread(
            () -> {
              try {
                work.run();
              } catch (Exception e) {
                failure[0] = e;
              }
            },
            "speed-bench-trainer");
    thread.start();
    thread.join();
    if (failure[0] != null) {
      throw failure[0];
    }
  }

  /** The dataset name, folder and size of a model's micro benchmark. */
  private record Data(String name, Path folder, int train) {}

  private Data dataFor(ModelArch arch) throws java.io.IOException {
    return arch == ModelArch.SMALL_CNN
        ? new Data("fashion-mnist", fashionMnist, cnnTrain)
        : new Data("cifar-synthetic", SyntheticCifar.ensure(cifarDir, wrnTrain, 1000, 7), wrnTrain);
  }

  /** Training epochs (the first one warm-up), then two inference and two ranking passes (first warm-up). */
  private void micro(ModelArch arch) throws Exception {
    Data data = dataFor(arch);
    ImageSet train =
        new DatasetCatalog(Map.of(data.name(), data.folder()))
            .load(new DatasetRef(data.name(), data.train(), 1))
            .train();
    AblConfig config = AblConfig.builder().batchSize(batchSize).augmentation(false).build();
    try (TrainingProbe probe = TrainingProbe.open(train, arch, config, seed, device())) {
      List<Double> rates = new ArrayList<>();
      double warmRate = 0;
      long images = 0;
      long millis = 0;
      long cpuNanos = 0;
      for (int epoch = 0; epoch <= epochs; epoch++) {
        long cpu = THREADS.getCurrentThreadCpuTime();
        EpochReport r = probe.trainEpoch(epoch);
        cpu = THREADS.getCurrentThreadCpuTime() - cpu;
        if (epoch == 0) {
          warmRate = r.imagesPerSecond();
          continue;
        }
        rates.add(r.imagesPerSecond());
        images += train.size();
        millis += r.trainElapsedMs();
        cpuNanos += cpu;
      }
      Map<String, Object> row = common("train", arch, data, train.size());
      row.put("value", images / (millis / 1000.0));
      row.put("unit", "images/s");
      row.put("per_epoch", rates);
      row.put("warmup_epoch", warmRate);
      row.put("cpu_value", images / (cpuNanos / 1e9));
      log.write(row);
      if (profileDir != null) {
        Files.createDirectories(profileDir);
        JniUtils.startProfile(false, false, false);
        probe.trainEpoch(epochs + 1);
        JniUtils.stopProfile(
            profileDir.resolve("ablserve-" + arch.name().toLowerCase(Locale.ROOT) + ".json").toString());
      }

      double[] inference = new double[2];
      double cpuSeconds = 0;
      for (int i = 0; i < 2; i++) {
        long t = System.nanoTime();
        long cpu = THREADS.getCurrentThreadCpuTime();
        probe.inferencePass();
        cpuSeconds = (THREADS.getCurrentThreadCpuTime() - cpu) / 1e9;
        inference[i] = (System.nanoTime() - t) / 1e9;
      }
      row = common("inference", arch, data, train.size());
      row.put("value", train.size() / inference[1]);
      row.put("unit", "images/s");
      row.put("eval_batch", 512);
      row.put("warmup_value", train.size() / inference[0]);
      row.put("cpu_value", train.size() / cpuSeconds);
      log.write(row);

      double[] ranking = new double[2];
      for (int i = 0; i < 2; i++) {
        long t = System.nanoTime();
        long cpu = THREADS.getCurrentThreadCpuTime();
        probe.rankingPass();
        cpuSeconds = (THREADS.getCurrentThreadCpuTime() - cpu) / 1e9;
        ranking[i] = (System.nanoTime() - t) / 1e9;
      }
      row = common("ranking", arch, data, train.size());
      row.put("value", ranking[1]);
      row.put("unit", "s");
      row.put("eval_batch", 512);
      row.put("warmup_value", ranking[0]);
      row.put("cpu_value", cpuSeconds);
      log.write(row);
    }
  }

  private Map<String, Object> common(String bench, ModelArch arch, Data data, int images) {
    Map<String, Object> row = ResultLog.row(bench);
    row.put("device", device);
    row.put("model", arch.name().toLowerCase(Locale.ROOT));
    row.put("dataset", data.name());
    row.put("images", images);
    row.put("batch_size", batchSize);
    return row;
  }

  private AblConfig sessionConfig(Defense defense) {
    return AblConfig.builder()
        .defense(defense)
        .epochs(sessionEpochs)
        .isolationEpochs(Math.max(1, sessionEpochs / 2))
        .batchSize(batchSize)
        .build();
  }

  private Experiment experiment(Defense defense, int train, int test) {
    return new Experiment(
        new DatasetRef("fashion-mnist", train, test), AttackConfig.of(AttackKind.BADNETS, 0, 0.1),
        ModelArch.SMALL_CNN, sessionConfig(defense), seed);
  }

  /** Times of one in-process run: wall, training loops, the ranking pass. */
  private static final class Timed implements TrainingListener {
    long trainMs;
    long rankingStart;
    long rankingMs;
    final List<Double> rates = new ArrayList<>();

    @Override
    public void onEpoch(EpochReport r) {
      trainMs += r.trainElapsedMs();
      rates.add(r.imagesPerSecond());
    }

    @Override
    public void onPhase(Phase phase, int epoch) {
      if (phase == Phase.ISOLATED) {
        rankingStart = System.nanoTime();
      }
    }

    @Override
    public void onIsolation(IsolationReport r) {
      rankingMs = (System.nanoTime() - rankingStart) / 1_000_000;
    }
  }

  private record Direct(long wallMs, long cpuMs, Timed timed, TrainingOutcome outcome) {}

  /**
   * CPU time of the whole process (training, gRPC, SQLite, GC, JIT), in ms. With one intra-op thread it
   * measures the work a run costs even where other processes share the cores.
   */
  static long processCpuMs() {
    return ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime()
        / 1_000_000;
  }

  private Direct direct(ExperimentRunner runner, Experiment experiment, TrainingListener extra)
      throws java.io.IOException {
    Timed timed = new Timed();
    TrainingListener both =
        new TrainingListener() {
          @Override
          public void onEpoch(EpochReport r) {
            timed.onEpoch(r);
            extra.onEpoch(r);
          }

          @Override
          public void onPhase(Phase phase, int epoch) {
            timed.onPhase(phase, epoch);
          }

          @Override
          public void onIsolation(IsolationReport r) {
            timed.onIsolation(r);
          }
        };
    long t = System.nanoTime();
    long cpu = processCpuMs();
    TrainingOutcome outcome =
        runner.run(experiment, device(), both, () -> false, Checkpoints.NONE, ModelSink.NONE);
    return new Direct((System.nanoTime() - t) / 1_000_000, processCpuMs() - cpu, timed, outcome);
  }

  /**
   * The device as the server resolves it: DJL's own {@code Device.fromName} reads "gpu" as GPU -1 (no
   * array is ever there, so the trainer finds no parameters for its input) and refuses "gpu:N".
   */
  private Device device() {
    return new DeviceResolver(() -> Engine.getInstance().getGpuCount()).resolve(device);
  }

  private ExperimentRunner runner() {
    return new ExperimentRunner(
        new DatasetCatalog(Map.of("fashion-mnist", fashionMnist)), DefenseModule.strategies());
  }

  /** A throwaway short session, so that JIT and DJL's first-use costs land on neither side of a comparison. */
  private void warmUp(ExperimentRunner runner) throws java.io.IOException {
    runner.run(
        new Experiment(
            new DatasetRef("fashion-mnist", Math.min(2000, sessionTrain), 500),
            AttackConfig.of(AttackKind.BADNETS, 0, 0.1), ModelArch.SMALL_CNN,
            AblConfig.builder().epochs(2).isolationEpochs(1).batchSize(batchSize).build(), seed),
        device(), TrainingListener.NONE, () -> false);
  }

  /** ABL against DEFENSE_NONE, same data, epochs and seed, alternating plain, ABL, plain, ABL. */
  private void ablVersusPlain() throws Exception {
    ExperimentRunner runner = runner();
    warmUp(runner);
    List<Direct> plain = new ArrayList<>();
    List<Direct> abl = new ArrayList<>();
    for (int i = 0; i < repeats; i++) {
      plain.add(direct(runner, experiment(Defense.NONE, sessionTrain, sessionTest), TrainingListener.NONE));
      abl.add(direct(runner, experiment(Defense.ABL, sessionTrain, sessionTest), TrainingListener.NONE));
    }
    Direct p = fastest(plain);
    Direct a = fastest(abl);
    Map<String, Object> row = ResultLog.row("abl_vs_plain");
    row.put("model", "small_cnn");
    row.put("dataset", "fashion-mnist");
    row.put("images", sessionTrain);
    row.put("test_images", sessionTest);
    row.put("epochs", sessionEpochs);
    row.put("isolation_epochs", sessionConfig(Defense.ABL).isolationEpochs());
    row.put("value", (double) a.wallMs() / p.wallMs());
    row.put("unit", "ratio");
    row.put("abl_wall_ms", a.wallMs());
    row.put("plain_wall_ms", p.wallMs());
    row.put("abl_train_loop_ms", a.timed().trainMs);
    row.put("plain_train_loop_ms", p.timed().trainMs);
    row.put("abl_ranking_ms", a.timed().rankingMs);
    row.put("abl_cpu_ms", abl.stream().map(Direct::cpuMs).toList());
    row.put("plain_cpu_ms", plain.stream().map(Direct::cpuMs).toList());
    row.put("cpu_value",
        abl.stream().mapToLong(Direct::cpuMs).min().orElseThrow()
            / (double) plain.stream().mapToLong(Direct::cpuMs).min().orElseThrow());
    row.put("abl_runs_ms", abl.stream().map(Direct::wallMs).toList());
    row.put("plain_runs_ms", plain.stream().map(Direct::wallMs).toList());
    row.put("abl_ca", a.outcome().cleanAccuracy());
    row.put("abl_asr", a.outcome().attackSuccessRate());
    row.put("plain_ca", p.outcome().cleanAccuracy());
    row.put("plain_asr", p.outcome().attackSuccessRate());
    log.write(row);
  }

  private static Direct fastest(List<Direct> runs) {
    return runs.stream().min(Comparator.comparingLong(Direct::wallMs)).orElseThrow();
  }

  /**
   * The same ABL session in process (no listener, no checkpoints) and through the real server over gRPC
   * with one watcher (event log in SQLite, per-epoch checkpoints, the model saved), alternating.
   */
  private void serverOverhead() throws Exception {
    ExperimentRunner runner = runner();
    Path dataDir = Files.createTempDirectory("ablserve-speed-");
    List<Long> directMs = new ArrayList<>();
    List<Long> serverMs = new ArrayList<>();
    List<Long> directCpuMs = new ArrayList<>();
    List<Long> serverCpuMs = new ArrayList<>();
    List<Double> directRates = new ArrayList<>();
    List<Double> serverRates = new ArrayList<>();
    try (ServerUnderTest server = new ServerUnderTest(dataDir, Map.of("fashion-mnist", fashionMnist))) {
      ServerUnderTest.Run warm = server.run(sessionProto(Math.min(2000, sessionTrain), 500, 2), e -> {});
      check(warm);
      for (int i = 0; i < repeats; i++) {
        Direct d = direct(runner, experiment(Defense.ABL, sessionTrain, sessionTest), TrainingListener.NONE);
        directMs.add(d.wallMs());
        directCpuMs.add(d.cpuMs());
        long cpu = processCpuMs();
        directRates.add(mean(d.timed().rates));
        List<Double> rates = new ArrayList<>();
        ServerUnderTest.Run run =
            server.run(
                sessionProto(sessionTrain, sessionTest, sessionEpochs),
                e -> {
                  if (e.hasStep()) {
                    rates.add(e.getStep().getImagesPerSecond());
                  }
                });
        check(run);
        serverMs.add(run.wallMs());
        serverCpuMs.add(processCpuMs() - cpu);
        serverRates.add(mean(rates));
      }
    } finally {
      deleteTree(dataDir);
    }
    long bestDirect = directMs.stream().min(Long::compare).orElseThrow();
    long bestServer = serverMs.stream().min(Long::compare).orElseThrow();
    Map<String, Object> row = ResultLog.row("server_overhead");
    row.put("model", "small_cnn");
    row.put("dataset", "fashion-mnist");
    row.put("images", sessionTrain);
    row.put("test_images", sessionTest);
    row.put("epochs", sessionEpochs);
    row.put("value", (double) bestServer / bestDirect);
    row.put("unit", "ratio");
    row.put("server_wall_ms", bestServer);
    row.put("direct_wall_ms", bestDirect);
    row.put("server_runs_ms", serverMs);
    row.put("direct_runs_ms", directMs);
    row.put("server_cpu_ms", serverCpuMs);
    row.put("direct_cpu_ms", directCpuMs);
    row.put("cpu_value",
        serverCpuMs.stream().min(Long::compare).orElseThrow()
            / (double) directCpuMs.stream().min(Long::compare).orElseThrow());
    row.put("server_step_images_per_s", serverRates);
    row.put("direct_epoch_images_per_s", directRates);
    row.put("watchers", 1);
    log.write(row);
  }

  /** The server's form of {@link #experiment}(ABL, ...): every field the direct run sets, set the same. */
  private SessionConfig sessionProto(int train, int test, int epochs) {
    AblConfig abl = sessionConfig(Defense.ABL);
    return SessionConfig.newBuilder()
        .setDisplayName("speed-bench")
        .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").setTrainLimit(train).setTestLimit(test))
        .setAttack(
            AttackSpec.newBuilder()
                .setKind(io.ablserve.v1.AttackKind.ATTACK_KIND_BADNETS)
                .setTargetLabel(0)
                .setPoisonRate(0.1))
        .setModel(ModelSpec.newBuilder().setArch(io.ablserve.v1.ModelArch.MODEL_ARCH_SMALL_CNN))
        .setAbl(
            io.ablserve.v1.AblConfig.newBuilder()
                .setDefense(io.ablserve.v1.Defense.DEFENSE_ABL)
                .setEpochs(epochs)
                .setIsolationEpochs(Math.max(1, epochs / 2))
                .setBatchSize(abl.batchSize()))
        .setSeed(seed)
        .setDevice(device)
        .build();
  }

  private static void check(ServerUnderTest.Run run) {
    if (run.state() != SessionState.SESSION_STATE_SUCCEEDED) {
      throw new IllegalStateException("session " + run.id() + " ended " + run.state());
    }
  }

  private static double mean(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  static void deleteTree(Path root) throws java.io.IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new SpeedBench()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
  }
}
