package io.ablserve.bench;

import com.google.gson.Gson;
import io.ablserve.server.Main;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.DeviceSlot;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.ListDevicesRequest;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionServiceGrpc.SessionServiceBlockingStub;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The crash bench of worker processes (#15): the server ({@link Main}, started from this JVM's java,
 * options and classpath on a scratch data folder) with {@code --slots} in process isolation and {@code
 * --resume-interrupted auto}; {@code --sessions} small Fashion-MNIST sessions queued, and every {@code
 * --kill-seconds} a busy slot's worker killed with SIGKILL, its session drawn among those killed fewer than
 * {@code --max-kills} times (the server resumes a session after at most 3 worker losses; a fourth leaves it
 * INTERRUPTED by design). Every session must end SUCCEEDED with a gap-free event log: sequences from 0, only
 * growing, holes only where a resume superseded telemetry (one per INTERRUPTED at most), each epoch
 * summarised once, one result. With {@code --compare} (default) the same sessions (same seeds) run first
 * without kills on the same server, and each killed session's CA/ASR is set beside its unkilled twin's.
 * Exits 1 when a session did not succeed or its log broke the contract; a CA/ASR that differs is reported,
 * not failed (a GPU's kernels need not repeat to the bit). Appends a JSON line to {@code --results}.
 */
@Command(name = "worker-crash-bench", mixinStandardHelpOptions = true)
public final class WorkerCrashBench implements Callable<Integer> {
  private static final Gson GSON = new Gson();

  @Option(names = "--slots", defaultValue = "cpu:1,cpu:1",
      description = "The server's --slots (default: ${DEFAULT-VALUE}; gpu:0*2: two sessions sharing GPU 0).")
  String slots;

  @Option(names = "--sessions", defaultValue = "6")
  int sessions;

  @Option(names = "--kill-seconds", defaultValue = "20", description = "Seconds between kills.")
  double killSeconds;

  @Option(names = "--max-kills", defaultValue = "3", description = "Kills of one session at most.")
  int maxKills;

  @Option(names = "--train-limit", defaultValue = "600")
  int trainLimit;

  @Option(names = "--test-limit", defaultValue = "200")
  int testLimit;

  @Option(names = "--epochs", defaultValue = "3")
  int epochs;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the draw of whom to kill.")
  long seed;

  @Option(names = "--timeout-seconds", defaultValue = "1200", description = "For each pass.")
  double timeoutSeconds;

  @Option(names = "--compare", negatable = true, defaultValue = "true",
      description = "Run the sessions once without kills first and compare CA/ASR (default: on).")
  boolean compare;

  @Option(names = "--results", defaultValue = "bench/results/worker-crash.jsonl",
      description = "JSON lines file to append the report to (default: ${DEFAULT-VALUE}).")
  Path results;

  @Option(names = "--label", defaultValue = "${env:BENCH_LABEL}",
      description = "Recorded in the report: the commit (default: env BENCH_LABEL).")
  String label;

  private SessionServiceBlockingStub stub;

  public static void main(String[] args) {
    System.exit(new CommandLine(new WorkerCrashBench()).execute(args));
  }

  /** One session at its end: state, CA, ASR, and what is wrong with its event log. */
  record Outcome(String id, int seed, SessionState state, double ca, double asr, int events, int interrupted,
      List<String> problems) {}

  @Override
  public Integer call() throws Exception {
    Path work = Files.createTempDirectory("ablserve-crash-");
    Process server = startServer(work);
    ManagedChannel channel = null;
    try {
      channel = NettyChannelBuilder.forTarget(address(server, work.resolve("server.log")))
          .usePlaintext().build();
      stub = SessionServiceGrpc.newBlockingStub(channel);
      List<Outcome> unkilled = compare ? pass("unkilled", false, new ArrayList<>()) : List.of();
      List<Map<String, Object>> kills = new ArrayList<>();
      long began = System.nanoTime();
      List<Outcome> killed = pass("killed", true, kills);
      double wall = (System.nanoTime() - began) / 1e9;
      return report(work, unkilled, killed, kills, wall);
    } finally {
      if (channel != null) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      server.destroy(); // SIGTERM: the server stops its workers
      if (!server.waitFor(60, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  private Process startServer(Path work) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "--port", "0", "--bind", "127.0.0.1", "--data-dir", work.resolve("data").toString(),
        "--slots", slots, "--isolation", "process", "--resume-interrupted", "auto"));
    return new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(work.resolve("server.log").toFile()).start();
  }

  /** HOST:PORT from the server's {@code ablserve listening on} line, within three minutes. */
  private static String address(Process server, Path log) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new IllegalStateException("the server exited with " + server.exitValue() + "; see " + log);
      }
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        if (line.startsWith("ablserve listening on ")) {
          return line.substring("ablserve listening on ".length()).trim();
        }
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the server did not listen within 3 minutes; see " + log);
  }

  private SessionConfig config(int seed) {
    return SessionConfig.newBuilder()
        .setDisplayName("crash-" + seed)
        .setDataset(DatasetSpec.newBuilder().setTrainLimit(trainLimit).setTestLimit(testLimit))
        .setAbl(AblConfig.newBuilder().setEpochs(epochs).setIsolationEpochs(1).setBatchSize(64))
        .setSeed(seed)
        .build();
  }

  /** Queues the sessions (seeds 100, 101, ...), kills workers when {@code kill}, and checks every end. */
  private List<Outcome> pass(String name, boolean kill, List<Map<String, Object>> kills)
      throws InterruptedException {
    long t0 = System.nanoTime();
    Map<String, Integer> seeds = new LinkedHashMap<>();
    for (int i = 0; i < sessions; i++) {
      seeds.put(stub.withDeadlineAfter(60, TimeUnit.SECONDS)
          .createSession(CreateSessionRequest.newBuilder().setConfig(config(100 + i)).build()).getId(), 100 + i);
    }
    Random rng = new Random(seed);
    Map<String, Integer> killsOf = new HashMap<>();
    double nextKill = killSeconds;
    while (!seeds.keySet().stream().allMatch(id -> isFinal(session(id).getState()))) {
      double elapsed = (System.nanoTime() - t0) / 1e9;
      if (elapsed > timeoutSeconds) {
        throw new IllegalStateException(name + ": not all sessions ended within " + timeoutSeconds + " s");
      }
      if (kill && elapsed >= nextKill) {
        nextKill += killSeconds;
        List<DeviceSlot> victims = stub.withDeadlineAfter(30, TimeUnit.SECONDS)
            .listDevices(ListDevicesRequest.getDefaultInstance()).getSlotsList().stream()
            .filter(s -> s.getBusy() && s.getWorkerPid() > 0 && !s.getSessionId().isEmpty()
                && killsOf.getOrDefault(s.getSessionId(), 0) < maxKills)
            .toList();
        if (!victims.isEmpty()) {
          DeviceSlot victim = victims.get(rng.nextInt(victims.size()));
          // SIGKILL; false when it ended meanwhile.
          boolean killed = ProcessHandle.of(victim.getWorkerPid()).map(ProcessHandle::destroyForcibly)
              .orElse(false);
          if (killed) {
            killsOf.merge(victim.getSessionId(), 1, Integer::sum);
            kills.add(Map.of("at_s", Math.round(elapsed * 10) / 10.0, "slot", victim.getName(),
                "session", victim.getSessionId(), "pid", victim.getWorkerPid()));
            System.out.printf(Locale.ROOT, "%6.1f s: killed worker %d of %.8s on %s%n", elapsed,
                victim.getWorkerPid(), victim.getSessionId(), victim.getName());
          }
        }
      }
      Thread.sleep(1000);
    }
    List<Outcome> outcomes = new ArrayList<>();
    seeds.forEach((id, sessionSeed) -> {
      Session session = session(id);
      List<SessionEvent> events = new ArrayList<>();
      stub.withDeadlineAfter(60, TimeUnit.SECONDS)
          .watchSession(WatchSessionRequest.newBuilder().setSessionId(id).setFollow(false).build())
          .forEachRemaining(events::add);
      List<String> problems = problems(events);
      if (session.getState() != SessionState.SESSION_STATE_SUCCEEDED) {
        problems.add(session.getState().name() + " " + session.getFailureReason());
      }
      int interrupted = (int) events.stream().filter(WorkerCrashBench::isInterrupted).count();
      outcomes.add(new Outcome(id, sessionSeed, session.getState(), session.getResult().getCleanAccuracy(),
          session.getResult().getAttackSuccessRate(), events.size(), interrupted, problems));
    });
    System.out.printf(Locale.ROOT, "%s: %d sessions, %.0f s%n", name, sessions, (System.nanoTime() - t0) / 1e9);
    return outcomes;
  }

  /**
   * What is wrong with one session's log, by SessionEvent's contract: sequences from 0, increasing, holes
   * only where a resume superseded telemetry (at most one per INTERRUPTED), every epoch the run went
   * through summarised once (more than {@code --epochs} where ABL retrained after a check that confirmed
   * nothing; the result counts them), one result.
   */
  List<String> problems(List<SessionEvent> events) {
    List<String> problems = new ArrayList<>();
    long[] sequences = events.stream().mapToLong(SessionEvent::getSequence).toArray();
    boolean growing = IntStream.range(1, sequences.length).allMatch(i -> sequences[i] > sequences[i - 1]);
    if (sequences.length == 0 || sequences[0] != 0 || !growing) {
      problems.add("sequences do not start at 0 and only grow");
    }
    long holes = IntStream.range(1, sequences.length).filter(i -> sequences[i] > sequences[i - 1] + 1).count();
    long resumes = events.stream().filter(WorkerCrashBench::isInterrupted).count();
    if (holes > resumes) {
      problems.add(holes + " holes in the sequences but " + resumes + " resumes");
    }
    List<SessionEvent> results = events.stream().filter(SessionEvent::hasResult).toList();
    if (results.size() != 1) {
      problems.add(results.size() + " results");
    }
    int ran = results.isEmpty() ? epochs : results.get(0).getResult().getEpochs();
    List<Integer> summarised = events.stream().filter(SessionEvent::hasEpoch)
        .map(e -> e.getEpoch().getEpoch()).toList();
    if (ran < epochs || !summarised.equals(IntStream.range(0, ran).boxed().toList())) {
      problems.add("epoch summaries " + summarised + " for a run of " + ran + " epochs");
    }
    return problems;
  }

  private int report(Path work, List<Outcome> unkilled, List<Outcome> killed,
      List<Map<String, Object>> kills, double wall) throws IOException {
    Map<Integer, Outcome> twins = new HashMap<>();
    unkilled.forEach(o -> twins.put(o.seed(), o));
    int failures = 0;
    int differing = 0;
    List<Map<String, Object>> rows = new ArrayList<>();
    for (List<Outcome> pass : List.of(unkilled, killed)) {
      for (Outcome o : pass) {
        failures += o.problems().isEmpty() ? 0 : 1;
      }
    }
    for (Outcome o : killed) {
      long killsOfIt = kills.stream().filter(k -> k.get("session").equals(o.id())).count();
      Outcome twin = twins.get(o.seed());
      boolean same = twin == null || (twin.ca() == o.ca() && twin.asr() == o.asr());
      differing += same ? 0 : 1;
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("seed", o.seed());
      row.put("kills", killsOfIt);
      row.put("interrupted_events", o.interrupted());
      row.put("events", o.events());
      row.put("ca", o.ca());
      row.put("asr", o.asr());
      if (twin != null) {
        row.put("unkilled_ca", twin.ca());
        row.put("unkilled_asr", twin.asr());
      }
      row.put("problems", o.problems());
      rows.add(row);
      System.out.printf(Locale.ROOT, "seed %d kills=%d interrupted=%d events=%d CA=%.4f ASR=%.4f%s %s%n",
          o.seed(), killsOfIt, o.interrupted(), o.events(), o.ca(), o.asr(),
          twin == null ? "" : String.format(Locale.ROOT, " (unkilled CA=%.4f ASR=%.4f)", twin.ca(), twin.asr()),
          o.problems().isEmpty() ? "OK" : o.problems());
    }
    unkilled.stream().filter(o -> !o.problems().isEmpty())
        .forEach(o -> System.out.println("unkilled seed " + o.seed() + ": " + o.problems()));
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("at", Instant.now().toString());
    report.put("label", label == null ? "" : label);
    report.put("slots", slots);
    report.put("sessions", sessions);
    report.put("kill_every_s", killSeconds);
    report.put("train_limit", trainLimit);
    report.put("epochs", epochs);
    report.put("kills", kills.size());
    report.put("wall_s", Math.round(wall * 10) / 10.0);
    report.put("succeeded_gap_free", sessions - (int) killed.stream().filter(o -> !o.problems().isEmpty()).count());
    report.put("compared", compare);
    report.put("ca_asr_differing", differing);
    report.put("rows", rows);
    report.put("kill_log", kills);
    System.out.printf(Locale.ROOT,
        "%d sessions, %d workers killed, %d SUCCEEDED with gap-free logs, %.0f s; %s; server log %s%n",
        sessions, kills.size(), report.get("succeeded_gap_free"), wall,
        compare ? differing + " with CA/ASR other than their unkilled run's" : "not compared",
        work.resolve("server.log"));
    Files.createDirectories(results.toAbsolutePath().getParent());
    Files.writeString(results, GSON.toJson(report) + "\n", StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    return failures == 0 ? 0 : 1;
  }

  private Session session(String id) {
    return stub.withDeadlineAfter(30, TimeUnit.SECONDS)
        .getSession(GetSessionRequest.newBuilder().setSessionId(id).build());
  }

  private static boolean isFinal(SessionState state) {
    return state == SessionState.SESSION_STATE_SUCCEEDED || state == SessionState.SESSION_STATE_FAILED
        || state == SessionState.SESSION_STATE_CANCELLED;
  }

  private static boolean isInterrupted(SessionEvent e) {
    return e.hasState() && e.getState().getState() == SessionState.SESSION_STATE_INTERRUPTED;
  }
}
