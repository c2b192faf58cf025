package io.ablserve.server.worker;

import static io.ablserve.server.testing.PrometheusScrape.scrape;
import static io.ablserve.server.testing.PrometheusScrape.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.inject.Module;
import com.google.inject.util.Modules;
import io.ablserve.server.TrainingModule;
import io.ablserve.server.config.Isolation;
import io.ablserve.server.config.WorkersConfig;
import io.ablserve.server.store.StoreModule;
import io.ablserve.server.testing.TestServer;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.CancelSessionRequest;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.DeviceSlot;
import io.ablserve.v1.EvaluateRequest;
import io.ablserve.v1.EvaluateResponse;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.ListDevicesRequest;
import io.ablserve.v1.ListDevicesResponse;
import io.ablserve.v1.ResultsServiceGrpc;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions in worker processes over the real API: real DJL training on a Fashion-MNIST subset, two CPU
 * slots of one thread each, workers killed with SIGKILL and stopped with SIGSTOP.
 */
@Tag("training")
class WorkerProcessTest {
  static final Duration WAIT = Duration.ofSeconds(240);
  private static final WorkersConfig TWO_CPU_SLOTS =
      new WorkersConfig(
          Isolation.PROCESS, WorkersConfig.parseSlots("cpu:1,cpu:1"), Duration.ofSeconds(8),
          Duration.ofSeconds(120), List.of(), 3);

  @TempDir Path dataDir;

  private static TestServer start(WorkersConfig workers, Path dir) throws Exception {
    return start(workers, dir, new WorkerModule());
  }

  /** A server whose sessions train as {@code workerModule}'s pool has them. */
  static TestServer start(WorkersConfig workers, Path dir, Module workerModule) throws Exception {
    Module training = Modules.combine(new TrainingModule(), workerModule);
    Module overrides = binder -> binder.bind(WorkersConfig.class).toInstance(workers);
    return TestServer.start(
        TestServer.Transport.NETTY, TestServer.CONFIG.withDataDir(dir), training, new StoreModule(),
        overrides);
  }

  static SessionConfig config(int trainLimit, int epochs, long seed) {
    return SessionConfig.newBuilder()
        .setDataset(DatasetSpec.newBuilder().setTrainLimit(trainLimit).setTestLimit(300))
        .setAbl(
            AblConfig.newBuilder()
                .setEpochs(epochs)
                .setIsolationEpochs(1)
                .setBatchSize(64)
                .setStepReportInterval(5)
                // The worker hop is under test, not ABL: `epochs` epochs whatever the check finds.
                .setRetrainUnconfirmed(false))
        .setSeed(seed)
        .build();
  }

  static Session create(TestServer server, SessionConfig config) {
    return server.blocking().createSession(CreateSessionRequest.newBuilder().setConfig(config).build());
  }

  private static Session get(TestServer server, String id) {
    return server.blocking().getSession(GetSessionRequest.newBuilder().setSessionId(id).build());
  }

  private static ListDevicesResponse devices(TestServer server) {
    return server.blocking().listDevices(ListDevicesRequest.getDefaultInstance());
  }

  static List<SessionEvent> log(TestServer server, String id) {
    List<SessionEvent> events = new ArrayList<>();
    server.blocking()
        .watchSession(WatchSessionRequest.newBuilder().setSessionId(id).setFollow(false).build())
        .forEachRemaining(events::add);
    return events;
  }

  private static Session awaitEnd(TestServer server, String id) throws InterruptedException {
    until("session " + id + " ends", WAIT, () -> isFinal(get(server, id).getState()));
    return get(server, id);
  }

  private static boolean isFinal(SessionState state) {
    return state == SessionState.SESSION_STATE_SUCCEEDED
        || state == SessionState.SESSION_STATE_FAILED
        || state == SessionState.SESSION_STATE_CANCELLED;
  }

  private static long workerPid(TestServer server, String sessionId) {
    return devices(server).getSlotsList().stream()
        .filter(s -> s.getSessionId().equals(sessionId))
        .mapToLong(DeviceSlot::getWorkerPid)
        .findFirst()
        .orElse(0);
  }

  private static long epochSummaries(TestServer server, String id) {
    return log(server, id).stream().filter(SessionEvent::hasEpoch).count();
  }

  private static HealthCheckResponse.ServingStatus health(TestServer server) {
    return HealthGrpc.newBlockingStub(server.channel())
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  /** Each epoch summarised once, one result, sequences only growing: what a watcher sees inline. */
  private static void assertOneRunsTelemetry(List<SessionEvent> log, int epochs) {
    assertThat(log).extracting(SessionEvent::getSequence).isSorted().doesNotHaveDuplicates();
    assertThat(log.stream().filter(SessionEvent::hasEpoch).map(e -> e.getEpoch().getEpoch()))
        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, epochs).boxed().toList());
    assertThat(log.stream().filter(SessionEvent::hasResult)).hasSize(1);
  }

  @Test
  void twoSlots_trainTwoSessionsAtOnce_asInlineWould() throws Exception {
    SessionConfig config = config(1000, 3, 3);
    Session a;
    Session b;
    ListDevicesResponse busy;
    long started = System.nanoTime();
    try (TestServer server = start(TWO_CPU_SLOTS, dataDir)) {
      assertThat(devices(server).getIsolation()).isEqualTo("process");
      assertThat(devices(server).getSlotsList()).extracting(DeviceSlot::getName)
          .containsExactly("cpu-0", "cpu-1");
      String first = create(server, config).getId();
      String second = create(server, config).getId();
      until("both slots busy", WAIT, () -> devices(server).getSlotsList().stream()
          .allMatch(s -> s.getBusy() && s.getWorkerPid() > 0));
      busy = devices(server);
      // Each worker's heartbeat (every second) carries its memory; ListDevices shows it while it trains.
      java.util.concurrent.atomic.AtomicReference<DeviceSlot> reporting = new java.util.concurrent.atomic.AtomicReference<>();
      until("a busy worker's memory", WAIT, () -> devices(server).getSlotsList().stream()
          .filter(s -> s.getBusy() && s.getResidentBytes() > 0).peek(reporting::set).findAny().isPresent());
      a = awaitEnd(server, first);
      b = awaitEnd(server, second);
      assertThat(reporting.get().getResidentBytes())
          .as("a worker JVM with DJL's engine loaded").isBetween(64L << 20, 16L << 30);
      assertThat(reporting.get().getGpuMemoryTotalBytes()).isZero();
      assertThat(devices(server).getSlotsList()).extracting(DeviceSlot::getResidentBytes)
          .as("idle slots: no process, no memory").containsOnly(0L);
      assertOneRunsTelemetry(log(server, first), 3);
      List<SessionEvent> secondLog = log(server, second);
      assertOneRunsTelemetry(secondLog, 3);
      assertThat(secondLog).extracting(SessionEvent::getSequence)
          .containsExactlyElementsOf(
              java.util.stream.LongStream.range(0, secondLog.size()).boxed().toList());
    }
    System.out.printf("two sessions on two 1-thread worker slots: %.1f s%n",
        (System.nanoTime() - started) / 1e9);
    assertThat(busy.getSlotsList()).extracting(DeviceSlot::getSessionId)
        .containsExactlyInAnyOrder(a.getId(), b.getId());
    assertThat(a.getState()).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
    assertThat(b.getState()).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
    assertThat(List.of(a.getSlot(), b.getSlot())).containsExactlyInAnyOrder("cpu-0", "cpu-1");
    // Their RUNNING intervals overlap: each started before the other finished.
    assertThat(seconds(a.getStartedAt())).isLessThan(seconds(b.getFinishedAt()));
    assertThat(seconds(b.getStartedAt())).isLessThan(seconds(a.getFinishedAt()));
    // Same seed, same data: the same model, whichever slot.
    assertThat(a.getResult().toBuilder().clearElapsedMs().build())
        .isEqualTo(b.getResult().toBuilder().clearElapsedMs().build());

    // Through a worker with this JVM's two intra-op threads, and inline in this JVM: the same figures.
    // (One thread against two changes the order of float sums: with one, ASR came out 0.948 for 0.951.)
    Session viaWorker;
    try (TestServer process =
        start(
            new WorkersConfig(
                Isolation.PROCESS, WorkersConfig.parseSlots("cpu:2"), Duration.ofSeconds(8),
                Duration.ofSeconds(120), List.of(), 3),
            dataDir.resolve("process"))) {
      viaWorker = awaitEnd(process, create(process, config).getId());
      // The slot decided the device: the echo keeps the request (none: any slot), and the server
      // evaluates the saved model on its own --device.
      assertThat(viaWorker.getConfig().getDevice()).isEmpty();
      assertThat(viaWorker.getDevice()).isEqualTo("cpu()");
      EvaluateResponse evaluated =
          ResultsServiceGrpc.newBlockingStub(process.channel())
              .evaluate(EvaluateRequest.newBuilder().setSessionId(viaWorker.getId()).build());
      assertThat(evaluated.getTestSize()).isEqualTo(300);
      assertThat(evaluated.getCleanAccuracy())
          .isCloseTo(viaWorker.getResult().getCleanAccuracy(), within(2.5 / 300));
    }
    try (TestServer inline =
        TestServer.start(
            TestServer.Transport.NETTY, TestServer.CONFIG.withDataDir(dataDir.resolve("inline")),
            new TrainingModule())) {
      Session alone = awaitEnd(inline, create(inline, config).getId());
      assertThat(alone.getResult().toBuilder().clearElapsedMs().build())
          .isEqualTo(viaWorker.getResult().toBuilder().clearElapsedMs().build());
    }
  }

  /**
   * Wall time of the same two sessions on one slot of two threads (one after the other) and on two slots
   * of one thread (side by side). A measurement, not a check: run with -Dablserve.bench=true.
   */
  @Test
  @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "ablserve.bench", matches = "true")
  void bench_oneSlotOfTwoThreads_againstTwoSlotsOfOne() throws Exception {
    for (String slots : List.of("cpu:2", "cpu:1,cpu:1")) {
      WorkersConfig workers =
          new WorkersConfig(
              Isolation.PROCESS, WorkersConfig.parseSlots(slots), Duration.ofSeconds(30),
              Duration.ofSeconds(120), List.of(), 3);
      try (TestServer server = start(workers, dataDir.resolve(slots.replace(',', '_')))) {
        long started = System.nanoTime();
        String first = create(server, config(2000, 3, 11)).getId();
        String second = create(server, config(2000, 3, 12)).getId();
        awaitEnd(server, first);
        awaitEnd(server, second);
        System.out.printf("bench slots %s: two sessions in %.1f s%n", slots,
            (System.nanoTime() - started) / 1e9);
      }
    }
  }

  @Test
  void killedWorker_resumesFromItsCheckpoint_andTheOtherSessionIsUntouched() throws Exception {
    try (TestServer server = start(TWO_CPU_SLOTS, dataDir)) {
      String victim = create(server, config(1500, 4, 5)).getId();
      String bystander = create(server, config(1500, 4, 6)).getId();
      until("the victim's first epoch", WAIT, () -> epochSummaries(server, victim) >= 1);
      long pid = workerPid(server, victim);
      assertThat(pid).isPositive();

      ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL

      until("the victim's worker replaced", WAIT, () -> {
        long now = workerPid(server, victim);
        return now != 0 && now != pid;
      });
      assertThat(health(server)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      Session resumed = awaitEnd(server, victim);
      Session other = awaitEnd(server, bystander);
      assertThat(resumed.getState()).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
      assertThat(other.getState()).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
      List<SessionEvent> victimLog = log(server, victim);
      assertOneRunsTelemetry(victimLog, 4);
      assertThat(states(victimLog)).containsSubsequence(
          SessionState.SESSION_STATE_RUNNING, SessionState.SESSION_STATE_INTERRUPTED,
          SessionState.SESSION_STATE_QUEUED, SessionState.SESSION_STATE_RUNNING,
          SessionState.SESSION_STATE_SUCCEEDED);
      assertThat(victimLog.stream().filter(SessionEvent::hasState)
              .filter(e -> e.getState().getState() == SessionState.SESSION_STATE_INTERRUPTED)
              .findFirst().orElseThrow().getState().getReason())
          .contains("worker process " + pid);
      List<SessionEvent> otherLog = log(server, bystander);
      assertOneRunsTelemetry(otherLog, 4);
      assertThat(states(otherLog)).containsExactly(
          SessionState.SESSION_STATE_QUEUED, SessionState.SESSION_STATE_RUNNING,
          SessionState.SESSION_STATE_SUCCEEDED);
      assertThat(health(server)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }
  }

  /** Found by bench/worker-crash.sh: a worker killed while its JVM started failed its session for good. */
  @Test
  void workerKilledBeforeItStarted_isResumedLikeARunningOne() throws Exception {
    try (TestServer server = start(TWO_CPU_SLOTS, dataDir)) {
      String id = create(server, config(500, 2, 9)).getId();
      until("a worker for it", WAIT, () -> workerPid(server, id) > 0);
      long pid = workerPid(server, id);
      assertThat(log(server, id)).noneMatch(SessionEvent::hasPhase); // still starting: JVM, engine, data

      ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL

      Session done = awaitEnd(server, id);
      assertThat(done.getState()).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
      List<SessionEvent> events = log(server, id);
      assertOneRunsTelemetry(events, 2);
      assertThat(events.stream().filter(SessionEvent::hasState).map(e -> e.getState().getReason()))
          .anyMatch(reason -> reason.contains("worker process " + pid)
              && reason.contains("killed before it started"));
    }
  }

  @Test
  void silentWorker_isKilledAndItsSessionResumed() throws Exception {
    try (TestServer server = start(TWO_CPU_SLOTS, dataDir)) {
      String id = create(server, config(1000, 3, 7)).getId();
      until("the first epoch", WAIT, () -> epochSummaries(server, id) >= 1);
      long pid = workerPid(server, id);
      new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();

      Session done = awaitEnd(server, id);

      assertThat(done.getState()).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isIn(Optional.empty(), Optional.of(false));
      List<SessionEvent> events = log(server, id);
      assertOneRunsTelemetry(events, 3);
      assertThat(events.stream().filter(SessionEvent::hasState).map(e -> e.getState().getReason()))
          .anyMatch(reason -> reason.contains("sent nothing for 8 s"));
    }
  }

  @Test
  void cancel_stopsTheWorker() throws Exception {
    try (TestServer server = start(TWO_CPU_SLOTS, dataDir)) {
      String id = create(server, config(4000, 3, 8)).getId();
      until("steps reported", WAIT, () -> log(server, id).stream().anyMatch(SessionEvent::hasStep));
      long pid = workerPid(server, id);

      server.blocking().cancelSession(CancelSessionRequest.newBuilder().setSessionId(id).build());

      assertThat(awaitEnd(server, id).getState()).isEqualTo(SessionState.SESSION_STATE_CANCELLED);
      until("the worker exits", Duration.ofSeconds(30),
          () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
      assertThat(devices(server).getSlotsList()).noneMatch(DeviceSlot::getBusy);
    }
  }

  @Test
  void workerEvents_reportTheHopsLatency_inTheMetrics() throws Exception {
    Module training = Modules.combine(new TrainingModule(), new WorkerModule());
    Module overrides = binder -> binder.bind(WorkersConfig.class).toInstance(TWO_CPU_SLOTS);
    try (TestServer server =
        TestServer.start(
            TestServer.Transport.NETTY, TestServer.CONFIG.withDataDir(dataDir).withMetricsPort(0),
            training, new StoreModule(), overrides)) {
      int port = server.metricsPort();
      assertThat(value(port, "ablserve_worker_event_hop_seconds_count")).isZero();
      String id = create(server, config(4000, 3, 8)).getId();
      until("steps reported", WAIT,
          () -> log(server, id).stream().filter(SessionEvent::hasStep).count() >= 3);
      server.blocking().cancelSession(CancelSessionRequest.newBuilder().setSessionId(id).build());
      awaitEnd(server, id);

      List<SessionEvent> log = log(server, id);
      String metrics = scrape(port);
      // Every event but the states (the control plane's own) came from the worker, stamped as sent.
      assertThat(value(metrics, "ablserve_worker_event_hop_seconds_count"))
          .isEqualTo(log.stream().filter(e -> !e.hasState()).count());
      assertThat(value(metrics, "ablserve_worker_event_hop_seconds_sum")).isPositive();
      assertThat(value(metrics, "ablserve_worker_event_hop_seconds{quantile=\"0.99\"}"))
          .as("one host, one clock: a hop within seconds").isBetween(0.0, 5.0);
    }
  }

  @Test
  void workerThatCannotStart_failsItsSessionWithTheReason() throws Exception {
    WorkersConfig broken =
        new WorkersConfig(
            Isolation.PROCESS, WorkersConfig.parseSlots("cpu:1"), Duration.ofSeconds(8),
            Duration.ofSeconds(60), List.of("-XX:+NoSuchJvmOption"), 3);
    try (TestServer server = start(broken, dataDir)) {
      Session failed = awaitEnd(server, create(server, config(500, 2, 1)).getId());

      assertThat(failed.getState()).isEqualTo(SessionState.SESSION_STATE_FAILED);
      assertThat(failed.getFailureReason()).contains("exited with code 1 before it started");
    }
  }

  /** Polls every 200 ms: each poll is RPCs, and these tests share two cores with the workers. */
  static void until(String what, Duration timeout, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(200);
    }
  }

  private static List<SessionState> states(List<SessionEvent> log) {
    return log.stream().filter(SessionEvent::hasState).map(e -> e.getState().getState()).toList();
  }

  private static double seconds(com.google.protobuf.Timestamp t) {
    return t.getSeconds() + t.getNanos() / 1e9;
  }
}
