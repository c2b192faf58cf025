package io.ablserve.server.worker;

import static io.ablserve.server.worker.WorkerProcessTest.WAIT;
import static io.ablserve.server.worker.WorkerProcessTest.config;
import static io.ablserve.server.worker.WorkerProcessTest.create;
import static io.ablserve.server.worker.WorkerProcessTest.log;
import static io.ablserve.server.worker.WorkerProcessTest.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Module;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.util.Modules;
import io.ablserve.server.config.Isolation;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.config.SlotSpec;
import io.ablserve.server.config.WorkerKeepalive;
import io.ablserve.server.config.WorkersConfig;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetLimits;
import io.ablserve.server.testing.TestServer;
import io.ablserve.v1.SessionEvent;
import io.ablserve.worker.v1.AttachRequest;
import io.ablserve.worker.v1.ControlMessage;
import io.ablserve.worker.v1.Hello;
import io.ablserve.worker.v1.WorkerChannelServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker channel's keepalive (issue #15): a worker notices a control plane gone silent without a TCP
 * reset, and the control plane permits the pings that tell it.
 */
class WorkerKeepaliveTest {
  /** gRPC's shortest client keepalive time, and a short timeout. */
  private static final WorkerKeepalive FAST =
      new WorkerKeepalive(Duration.ofSeconds(10), Duration.ofSeconds(2));

  @TempDir Path dataDir;

  private static WorkersConfig oneSlot(Duration heartbeatTimeout) {
    return new WorkersConfig(
        Isolation.PROCESS, WorkersConfig.parseSlots("cpu:1"), heartbeatTimeout, Duration.ofSeconds(120),
        List.of(), 3, FAST);
  }

  /**
   * A control plane cut off without a TCP reset (its host gone, a network partition) sends nothing more,
   * and its worker's messages only buffer. The channel's ping goes unanswered, and the worker exits as
   * orphaned instead of training on for no one.
   */
  @Test
  @Tag("training")
  void partitionedControlPlane_workerExitsOrphaned_afterItsKeepalive() throws Exception {
    // The control plane's heartbeat timeout outlasts the bound below: the worker must end itself, not be
    // killed by a control plane that stopped hearing it.
    WorkersConfig workers = oneSlot(Duration.ofSeconds(300));
    ProxiedProcesses launcher = new ProxiedProcesses(workers, dataDir);
    Module proxied =
        Modules.override(new WorkerModule())
            .with(new AbstractModule() {
              @Provides
              @Singleton
              WorkerPool workerPool(ServerConfig config, DatasetCatalog catalog) {
                return new WorkerPool(
                    workers, config.dataDir(), catalog, config.datasetLimits(),
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), launcher);
              }
            });
    try (TestServer server = WorkerProcessTest.start(workers, dataDir, proxied)) {
      String id = create(server, config(4000, 3, 8)).getId();
      until("steps reported", WAIT, () -> log(server, id).stream().anyMatch(SessionEvent::hasStep));
      assertThat(launcher.workers).hasSize(1);
      LaunchedWorker worker = launcher.workers.get(0);

      launcher.proxies.get(0).partition();
      long partitioned = System.nanoTime();

      // A ping after 10 s without a word, 2 s for its answer: well within 60 s.
      Optional<LaunchedWorker.Exit> exit = worker.awaitExit(Duration.ofSeconds(60));
      assertThat(exit).as("the worker exited within 60 s of the partition").isPresent();
      assertThat(exit.get().code()).isEqualTo(WorkerMain.ORPHANED);
      assertThat(worker.logTail()) // gRPC's words for an unanswered ping
          .contains("the control plane's channel broke").contains("Keepalive failed");
      System.out.printf(
          "partitioned worker exited after %.1f s%n", (System.nanoTime() - partitioned) / 1e9);
    }
  }

  /**
   * A worker's channel, as {@link WorkerMain} opens it, attached to a control plane that says nothing
   * back (as while its worker trains an epoch): it pings every 10 s, and a server that forbade that rate
   * would answer the third ping with GOAWAY too_many_pings, about 30 s in, breaking the call.
   */
  @Test
  void workerPool_permitsItsWorkersPings_withoutGoaway() throws Exception {
    WorkerPool pool =
        new WorkerPool(
            oneSlot(Duration.ofSeconds(30)), dataDir, new DatasetCatalog(Map.of()),
            DatasetLimits.DEFAULTS, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            (slot, sessionId, token, channelPort) -> {
              throw new UnsupportedOperationException("no worker is launched here");
            });
    pool.startAsync().awaitRunning();
    ManagedChannel channel = WorkerMain.channel("127.0.0.1", pool.port(), FAST);
    try {
      WorkerChannel.Attachment attachment = pool.channel().expect("quiet", "secret");
      CountDownLatch ended = new CountDownLatch(1);
      AtomicReference<Throwable> why = new AtomicReference<>();
      StreamObserver<AttachRequest> out =
          WorkerChannelServiceGrpc.newStub(channel)
              .attach(new StreamObserver<>() {
                @Override
                public void onNext(ControlMessage message) {}

                @Override
                public void onError(Throwable t) {
                  why.set(t);
                  ended.countDown();
                }

                @Override
                public void onCompleted() {
                  ended.countDown();
                }
              });
      out.onNext(AttachRequest.newBuilder()
          .setHello(Hello.newBuilder().setSessionId("quiet").setToken("secret"))
          .build());
      assertThat(attachment.awaitAttached(30_000)).as("attached").isTrue();

      assertThat(ended.await(45, TimeUnit.SECONDS))
          .as(() -> "the call ended, pinging every 10 s: " + why.get())
          .isFalse();
      out.onCompleted();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      pool.close();
    }
  }

  @Test
  void workerCommand_carriesTheKeepalive_beforeTheConfiguredOptions() {
    WorkersConfig workers =
        new WorkersConfig(
            Isolation.PROCESS, WorkersConfig.parseSlots("cpu:1"), Duration.ofSeconds(30),
            Duration.ofSeconds(120), List.of("-Xmx1g"), 3, FAST);
    List<String> command =
        new LocalProcesses(workers, dataDir).command(new SlotSpec("cpu-0", "cpu", 1), "s", 4242);
    assertThat(command)
        .containsSubsequence(
            "-D" + WorkerKeepalive.TIME_PROPERTY + "=10000",
            "-D" + WorkerKeepalive.TIMEOUT_PROPERTY + "=2000", "-Xmx1g",
            WorkerMain.class.getName());
    // A Kubernetes Job's worker gets the same options (KubernetesModule hands them to its Jobs).
    assertThat(WorkerCommand.configuredOptions(workers))
        .containsExactly(
            "-D" + WorkerKeepalive.TIME_PROPERTY + "=10000",
            "-D" + WorkerKeepalive.TIMEOUT_PROPERTY + "=2000", "-Xmx1g");
  }

  /** Local workers, each reaching its control plane through a {@link PartitionableProxy} of its own. */
  private static final class ProxiedProcesses implements WorkerLauncher {
    private final LocalProcesses local;
    final List<PartitionableProxy> proxies = new CopyOnWriteArrayList<>();
    final List<LaunchedWorker> workers = new CopyOnWriteArrayList<>();

    ProxiedProcesses(WorkersConfig config, Path dataDir) {
      this.local = new LocalProcesses(config, dataDir);
    }

    @Override
    public LaunchedWorker launch(SlotSpec slot, String sessionId, String token, int channelPort)
        throws IOException {
      PartitionableProxy proxy = new PartitionableProxy(channelPort);
      proxies.add(proxy);
      LaunchedWorker worker = local.launch(slot, sessionId, token, proxy.port());
      workers.add(worker);
      return worker;
    }

    @Override
    public void close() {
      proxies.forEach(PartitionableProxy::close);
    }
  }
}
