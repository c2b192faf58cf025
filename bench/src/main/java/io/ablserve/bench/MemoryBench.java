package io.ablserve.bench;

import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.ModelSpec;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The server's memory over one long session and over many sessions in a row (bench/memory.sh): the real
 * server in this JVM, one watcher per session, a sample of {@link ProcessMemory} at every epoch summary of
 * the long session and after every session of the series, each after a full GC so that the Java heap's
 * garbage does not hide or fake a trend. Reports each figure's drift after warm-up.
 */
@Command(name = "memory-bench", mixinStandardHelpOptions = true)
public final class MemoryBench implements Callable<Integer> {
  @Option(names = "--fashion-mnist", defaultValue = "/usr/share/datasets/fashion-mnist")
  Path fashionMnist;

  @Option(names = "--train", defaultValue = "10000")
  int train;

  @Option(names = "--test", defaultValue = "1000")
  int test;

  @Option(names = "--epochs", defaultValue = "20", description = "epochs of the long session")
  int epochs;

  @Option(names = "--isolation-epochs", defaultValue = "5")
  int isolationEpochs;

  @Option(names = "--warmup-epochs", defaultValue = "6",
      description = "epochs of the long session left out of its drift: isolation and the first unlearning epoch")
  int warmupEpochs;

  @Option(names = "--sessions", defaultValue = "10")
  int sessions;

  @Option(names = "--session-epochs", defaultValue = "2")
  int sessionEpochs;

  @Option(names = "--results", description = "JSON-lines file rows are appended to")
  Path results;

  @Override
  public Integer call() throws Exception {
    ResultLog log = new ResultLog(results);
    Path dataDir = Files.createTempDirectory("ablserve-memory-");
    try (ServerUnderTest server =
        new ServerUnderTest(dataDir, Map.of("fashion-mnist", fashionMnist))) {
      ProcessMemory started = sampleAfterGc();
      List<ProcessMemory> perEpoch = new ArrayList<>();
      // RSS every 10 ms, by the number of epoch events seen so far: an epoch's low (after the trim that
      // ends the one before) and high, which do not depend on when the watcher hears of the epoch.
      AtomicInteger epochsSeen = new AtomicInteger();
      List<long[]> rssByEpoch = Collections.synchronizedList(new ArrayList<>());
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
      sampler.scheduleAtFixedRate(
          () -> rssByEpoch.add(new long[] {epochsSeen.get(), ProcessMemory.readRssKb()}),
          0, 10, TimeUnit.MILLISECONDS);
      try {
        check(
            server.run(
                session(epochs, isolationEpochs),
                e -> {
                  if (e.hasEpoch()) {
                    perEpoch.add(sampleAfterGc());
                    epochsSeen.incrementAndGet();
                    print("epoch " + e.getEpoch().getEpoch(), perEpoch.get(perEpoch.size() - 1));
                  }
                }));
      } finally {
        sampler.shutdownNow();
      }
      Map<String, Object> longSession = report("memory_long_session", started, perEpoch, warmupEpochs);
      List<Long> lows = new ArrayList<>();
      List<Long> highs = new ArrayList<>();
      for (int epoch = 1; epoch < epochsSeen.get(); epoch++) { // samples while epoch `epoch` trained
        int index = epoch;
        LongSummaryStatistics rss =
            rssByEpoch.stream().filter(r -> r[0] == index).mapToLong(r -> r[1]).summaryStatistics();
        lows.add(rss.getMin());
        highs.add(rss.getMax());
      }
      series(longSession, "rss_low_kb", lows, warmupEpochs - 1);
      series(longSession, "rss_high_kb", highs, warmupEpochs - 1);
      System.err.println("RSS low / high per epoch (MiB): " + mib(lows) + " / " + mib(highs));
      log.write(longSession);

      List<ProcessMemory> perSession = new ArrayList<>();
      for (int i = 0; i < sessions; i++) {
        check(server.run(session(sessionEpochs, Math.max(1, sessionEpochs / 2)), e -> {}));
        perSession.add(sampleAfterGc());
        print("session " + i, perSession.get(i));
      }
      log.write(report("memory_sessions", started, perSession, 1));
    } finally {
      SpeedBench.deleteTree(dataDir);
    }
    return 0;
  }

  private SessionConfig session(int epochs, int isolation) {
    return SessionConfig.newBuilder()
        .setDisplayName("memory-bench")
        .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").setTrainLimit(train).setTestLimit(test))
        .setAttack(AttackSpec.newBuilder().setKind(io.ablserve.v1.AttackKind.ATTACK_KIND_BADNETS))
        .setModel(ModelSpec.newBuilder().setArch(io.ablserve.v1.ModelArch.MODEL_ARCH_SMALL_CNN))
        .setAbl(io.ablserve.v1.AblConfig.newBuilder().setEpochs(epochs).setIsolationEpochs(isolation))
        .setSeed(1)
        .build();
  }

  private static ProcessMemory sampleAfterGc() {
    System.gc();
    return ProcessMemory.sample();
  }

  private static void print(String what, ProcessMemory m) {
    System.err.printf(
        Locale.ROOT, "%-10s rss %7d KiB  nmt %7d KiB  heap %7d KiB (committed %7d KiB)  ndarrays %d%n", what,
        m.rssKb(), m.nmtCommittedKb(), m.heapUsedKb(), m.heapCommittedKb(), m.liveNdArrays());
  }

  /** Series and their drift after the first {@code warmup} samples: last vs first kept, and max vs min. */
  private Map<String, Object> report(
      String bench, ProcessMemory started, List<ProcessMemory> samples, int warmup) {
    Map<String, Object> row = ResultLog.row(bench);
    row.put("model", "small_cnn");
    row.put("dataset", "fashion-mnist");
    row.put("images", train);
    row.put("samples", samples.size());
    row.put("warmup_samples", warmup);
    row.put("rss_kb_at_start", started.rssKb());
    series(row, "rss_kb", samples, warmup, ProcessMemory::rssKb);
    series(row, "nmt_committed_kb", samples, warmup, ProcessMemory::nmtCommittedKb);
    series(row, "heap_used_kb", samples, warmup, ProcessMemory::heapUsedKb);
    series(row, "heap_committed_kb", samples, warmup, ProcessMemory::heapCommittedKb);
    series(row, "live_ndarrays", samples, warmup, m -> m.liveNdArrays());
    return row;
  }

  private static List<Long> mib(List<Long> kb) {
    return kb.stream().map(v -> v / 1024).toList();
  }

  private static void series(
      Map<String, Object> row, String name, List<ProcessMemory> samples, int warmup,
      ToLongFunction<ProcessMemory> value) {
    series(row, name, samples.stream().map(value::applyAsLong).toList(), warmup);
  }

  private static void series(Map<String, Object> row, String name, List<Long> all, int warmup) {
    row.put(name, all);
    List<Long> kept = all.subList(Math.min(warmup, all.size() - 1), all.size());
    long first = kept.get(0);
    long min = kept.stream().min(Long::compare).orElseThrow();
    long max = kept.stream().max(Long::compare).orElseThrow();
    row.put(name + "_drift_pct", first <= 0 ? Double.NaN : 100.0 * (kept.get(kept.size() - 1) - first) / first);
    row.put(name + "_spread_pct", min <= 0 ? Double.NaN : 100.0 * (max - min) / min);
  }

  private static void check(ServerUnderTest.Run run) {
    if (run.state() != SessionState.SESSION_STATE_SUCCEEDED) {
      throw new IllegalStateException("session " + run.id() + " ended " + run.state());
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new MemoryBench()).execute(args));
  }
}
