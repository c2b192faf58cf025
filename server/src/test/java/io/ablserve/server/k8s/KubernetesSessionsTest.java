package io.ablserve.server.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.google.inject.Module;
import com.google.inject.util.Modules;
import io.ablserve.server.TrainingModule;
import io.ablserve.server.config.Isolation;
import io.ablserve.server.config.KubernetesConfig;
import io.ablserve.server.config.WorkersConfig;
import io.ablserve.server.store.StoreModule;
import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.ServerProcess;
import io.ablserve.server.testing.TestServer;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.CancelSessionRequest;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.DeviceSlot;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.ListDevicesRequest;
import io.ablserve.v1.ListDevicesResponse;
import io.ablserve.v1.ResumeSessionRequest;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.StateChange;
import io.ablserve.v1.WatchSessionRequest;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions as Kubernetes Jobs over the real API, against fabric8's mock API server in CRUD mode: the
 * server creates, watches and deletes Jobs there. The tests play Kueue (unsuspending a Job), the Job
 * controller (its Failed condition) and, in the training case, the kubelet: they run the Job's container
 * command as a local process, so the worker's events come back over the network channel for real.
 */
class KubernetesSessionsTest {
  private static final Duration WAIT = Duration.ofSeconds(240);
  // The mock server logs every request at INFO; held here so the setting is not collected.
  private static final Logger MOCK_LOG = quiet("io.fabric8.mockwebserver");

  @TempDir Path dataDir;

  private static Logger quiet(String name) {
    Logger logger = Logger.getLogger(name);
    logger.setLevel(Level.WARNING);
    return logger;
  }

  @EnableKubernetesMockClient(crud = true)
  @org.junit.jupiter.api.Nested
  class AgainstTheMockApiServer {
    KubernetesMockServer server;
    KubernetesClient client;

    private TestServer start() throws Exception {
      return start(3);
    }

    /** A server whose sessions are resumed at most {@code maxCrashResumes} times after losing a worker. */
    private TestServer start(int maxCrashResumes) throws Exception {
      return start(maxCrashResumes, "cpu:1", 1);
    }

    /** A server with {@code slots}, whose Jobs request {@code cpusPerSlot} CPUs where a slot names none. */
    private TestServer start(int maxCrashResumes, String slots, int cpusPerSlot) throws Exception {
      WorkersConfig workers =
          new WorkersConfig(
              Isolation.KUBERNETES, WorkersConfig.parseSlots(slots), Duration.ofSeconds(30),
              Duration.ofSeconds(120), List.of(), maxCrashResumes);
      KubernetesConfig d = KubernetesConfig.DEFAULTS;
      // Workers reach the channel on loopback; their "image" is this JVM's classpath.
      KubernetesConfig k8s =
          new KubernetesConfig(
              "", "ablserve:test", "lab-cpus", "ablserve-data", "127.0.0.1", 0, 1, d.gpuResource(),
              cpusPerSlot,
              "4Gi", d.ttlAfterFinished(), Duration.ofSeconds(120), System.getProperty("java.class.path"),
              "");
      Module training = Modules.combine(new TrainingModule(), new KubernetesModule(k8s));
      Module overrides = binder -> {
        binder.bind(WorkersConfig.class).toInstance(workers);
        binder.bind(KubernetesClient.class).toInstance(client);
      };
      return TestServer.start(
          TestServer.Transport.IN_PROCESS, TestServer.CONFIG.withDataDir(dataDir), training,
          new StoreModule(), overrides);
    }

    private List<Job> jobs() {
      return client.batch().v1().jobs().inNamespace("test").list().getItems();
    }

    private Job jobOf(String sessionId) {
      return jobs().stream()
          .filter(j -> sessionId.equals(j.getMetadata().getLabels().get("ablserve.io/session")))
          .findFirst().orElseThrow();
    }

    private Job awaitJob() throws InterruptedException {
      Poll.until("the session's Job", WAIT, () -> jobs().size() == 1);
      return jobs().get(0);
    }

    @Test
    void failedJob_failsTheSession_withKubernetesReason_andTheJobIsDeleted() throws Exception {
      try (TestServer server = start()) {
        String id = create(server, config(200, 2)).getId();
        Job job = awaitJob();
        assertThat(job.getMetadata().getLabels()).containsEntry("ablserve.io/session", id)
            .containsEntry("kueue.x-k8s.io/queue-name", "lab-cpus");
        assertThat(job.getSpec().getSuspend()).isTrue();
        assertThat(get(server, id).getState()).isEqualTo(SessionState.SESSION_STATE_QUEUED);

        KubernetesJobsTest.failJob(
            client, job.getMetadata().getName(), "DeadlineExceeded",
            "Job was active longer than specified deadline");

        Session failed = awaitEnd(server, id);
        assertThat(failed.getState()).isEqualTo(SessionState.SESSION_STATE_FAILED);
        assertThat(failed.getFailureReason())
            .contains("Kubernetes Job test/" + job.getMetadata().getName())
            .contains("DeadlineExceeded: Job was active longer than specified deadline");
        Poll.until("the Job deleted", WAIT, () -> jobs().isEmpty());
        assertThat(client.secrets().inNamespace("test").list().getItems()).isEmpty();
      }
    }

    @Test
    void suspendedJob_leavesTheSessionQueued_untilKueueAdmitsIt() throws Exception {
      try (TestServer server = start()) {
        String id = create(server, config(200, 2)).getId();
        String name = awaitJob().getMetadata().getName();
        Session held = get(server, id);
        assertThat(held.getState()).isEqualTo(SessionState.SESSION_STATE_QUEUED);
        assertThat(held.getQueuePosition()).as("next: only Kueue holds it").isZero();
        assertThat(devices(server).getSlots(0).getBusy()).isTrue();
        assertThat(devices(server).getSlots(0).getSessionId()).isEqualTo(id);

        admit(name);
        Poll.until("the session RUNNING once admitted", WAIT,
            () -> get(server, id).getState() == SessionState.SESSION_STATE_RUNNING);
        Session running = get(server, id);
        assertThat(running.getSlot()).isEqualTo("cpu-0");
        assertThat(running.getQueuePosition()).isEqualTo(-1);
        assertThat(log(server, id).stream().map(SessionEvent::getState)
                .map(StateChange::getState).filter(s -> s != SessionState.SESSION_STATE_UNSPECIFIED))
            .containsExactly(SessionState.SESSION_STATE_QUEUED, SessionState.SESSION_STATE_RUNNING);
        server.blocking().cancelSession(CancelSessionRequest.newBuilder().setSessionId(id).build());
        assertThat(awaitEnd(server, id).getState()).isEqualTo(SessionState.SESSION_STATE_CANCELLED);
        Poll.until("the Job deleted", WAIT, () -> jobs().isEmpty());
      }
    }

    @Test
    void shutdown_whileKueueHoldsTheJob_leavesTheSessionQueued_forTheNextServer() throws Exception {
      String id;
      String first;
      try (TestServer server = start()) {
        id = create(server, config(200, 2)).getId();
        first = awaitJob().getMetadata().getName();
      }
      assertThat(jobs()).as("the server deletes the Jobs it stops").isEmpty();

      try (TestServer server = start()) {
        Poll.until("a new Job for the session queued again", WAIT, () -> jobs().size() == 1);
        assertThat(jobs()).singleElement().satisfies(j -> {
          assertThat(j.getMetadata().getName()).isNotEqualTo(first);
          assertThat(j.getMetadata().getLabels()).containsEntry("ablserve.io/session", id);
        });
        assertThat(get(server, id).getState()).isEqualTo(SessionState.SESSION_STATE_QUEUED);
        assertThat(log(server, id).stream().map(SessionEvent::getState)
                .map(StateChange::getState).filter(s -> s != SessionState.SESSION_STATE_UNSPECIFIED))
            .as("it never ran: no RUNNING, no INTERRUPTED")
            .containsOnly(SessionState.SESSION_STATE_QUEUED);
        server.blocking().cancelSession(CancelSessionRequest.newBuilder().setSessionId(id).build());
        assertThat(awaitEnd(server, id).getState()).isEqualTo(SessionState.SESSION_STATE_CANCELLED);
      }
    }

    /**
     * A server restarted without the GPU slot a queued session asked for leaves it INTERRUPTED, saying why;
     * resuming it as it is is refused the same way, and resuming it on a device a slot serves queues it
     * there, its config keeping that device.
     */
    @Test
    void sessionWhoseDeviceNoSlotServesAfterARestart_resumesOnTheDeviceItIsGiven() throws Exception {
      String id;
      try (TestServer server = start(3, "cpu:1,gpu:0", 1)) {
        id = create(server, onDevice("gpu")).getId();
        awaitJob();
      }

      try (TestServer server = start(3, "cpu:1", 1)) {
        Session stuck = get(server, id);
        assertThat(stuck.getState()).isEqualTo(SessionState.SESSION_STATE_INTERRUPTED);
        String noSlot = "device 'gpu' matches none of this server's slots (cpu-0 cpu)";
        assertThat(log(server, id).get(log(server, id).size() - 1).getState().getReason())
            .contains(noSlot, "to resume it on one of them: ResumeSession with device");
        assertThatThrownBy(() -> resume(server, ResumeSessionRequest.newBuilder().setSessionId(id)))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains(noSlot);
            });
        assertThat(get(server, id).getState()).as("nothing changed").isEqualTo(SessionState.SESSION_STATE_INTERRUPTED);

        Session resumed = resume(server, ResumeSessionRequest.newBuilder().setSessionId(id).setDevice("CPU"));
        assertThat(resumed.getState()).isEqualTo(SessionState.SESSION_STATE_QUEUED);
        assertThat(resumed.getConfig().getDevice()).isEqualTo("cpu");
        Job job = awaitJob();
        assertThat(job.getMetadata().getLabels())
            .containsEntry(JobTemplate.SESSION_LABEL, id).containsEntry(JobTemplate.SLOT_LABEL, "cpu-0");
        cancel(server, id);
      }
    }

    /**
     * A control plane killed with SIGKILL leaves its Jobs, one admitted and one Kueue still holds; the
     * next one deletes them before it resumes their sessions, each in a new Job.
     */
    @Test
    void killedServer_leavesItsJobs_theNextDeletesThem_andResumesTheirSessionsInNewJobs() throws Exception {
      String running;
      String held;
      List<String> left;
      try (ServerProcess killed = ServerProcess.start(
          Map.of(
              "KUBERNETES_MASTER", server.url("/"), "KUBERNETES_NAMESPACE", "test",
              "KUBERNETES_TRUST_CERTIFICATES", "true", "KUBERNETES_AUTH_TRYKUBECONFIG", "false",
              "KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false"),
          "--port", "0", "--data-dir", dataDir.toString(), "--isolation", "kubernetes",
          "--slots", "gpu:0,cpu:1", "--k8s-image", "ablserve:test", "--k8s-queue", "lab-cpus",
          "--k8s-control-plane", "127.0.0.1", "--k8s-worker-port", "0")) {
        ManagedChannel channel =
            NettyChannelBuilder.forAddress("127.0.0.1", killed.port()).usePlaintext().build();
        try {
          var stub = SessionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
          running = stub.createSession(
              CreateSessionRequest.newBuilder().setConfig(config(200, 2)).build()).getId();
          held = stub.createSession(
              CreateSessionRequest.newBuilder().setConfig(config(200, 2)).build()).getId();
          Poll.until("a Job for each session", WAIT, () -> jobs().size() == 2);
          admit(jobOf(running).getMetadata().getName());
          Poll.until("the admitted session RUNNING", WAIT,
              () -> stub.getSession(GetSessionRequest.newBuilder().setSessionId(running).build())
                  .getState() == SessionState.SESSION_STATE_RUNNING);
        } finally {
          channel.shutdownNow();
        }
        killed.kill();
        left = jobs().stream().map(j -> j.getMetadata().getName()).toList();
        assertThat(left).as("%s", killed.output()).hasSize(2);
      }

      try (TestServer server = start(3, "gpu:0,cpu:1", 1)) {
        Poll.until("new Jobs for both sessions, the old ones gone", WAIT, () -> jobs().size() == 2
            && jobs().stream().noneMatch(j -> left.contains(j.getMetadata().getName())));
        assertThat(jobs()).extracting(j -> j.getMetadata().getLabels().get("ablserve.io/session"))
            .containsExactlyInAnyOrder(running, held);
        assertThat(client.secrets().inNamespace("test").list().getItems())
            .extracting(secret -> secret.getMetadata().getName())
            .doesNotContainAnyElementsOf(left);
        assertThat(get(server, held).getState()).isEqualTo(SessionState.SESSION_STATE_QUEUED);
        assertThat(log(server, running).stream().map(SessionEvent::getState)
                .map(StateChange::getState).filter(s -> s != SessionState.SESSION_STATE_UNSPECIFIED))
            .as("it ran, was cut off by the kill, and waits for Kueue again (--resume-interrupted auto)")
            .containsExactly(SessionState.SESSION_STATE_QUEUED, SessionState.SESSION_STATE_RUNNING,
                SessionState.SESSION_STATE_QUEUED);
        for (String id : List.of(running, held)) {
          server.blocking().cancelSession(CancelSessionRequest.newBuilder().setSessionId(id).build());
          assertThat(awaitEnd(server, id).getState()).isEqualTo(SessionState.SESSION_STATE_CANCELLED);
        }
        Poll.until("the new Jobs deleted", WAIT, () -> jobs().isEmpty());
      }
    }

    @Test
    void cancel_whileKueueHoldsTheJob_deletesIt() throws Exception {
      try (TestServer server = start()) {
        String id = create(server, config(200, 2)).getId();
        awaitJob();
        server.blocking().cancelSession(CancelSessionRequest.newBuilder().setSessionId(id).build());

        Session cancelled = awaitEnd(server, id);
        assertThat(cancelled.getState()).isEqualTo(SessionState.SESSION_STATE_CANCELLED);
        assertThat(cancelled.hasStartedAt()).as("it never ran").isFalse();
        assertThat(log(server, id).stream().map(SessionEvent::getState)
                .map(StateChange::getState).filter(s -> s != SessionState.SESSION_STATE_UNSPECIFIED))
            .containsExactly(SessionState.SESSION_STATE_QUEUED, SessionState.SESSION_STATE_CANCELLED);
        Poll.until("the Job deleted", WAIT, () -> jobs().isEmpty());
      }
    }

    @Test
    void deletedJob_afterAdmission_interruptsTheSession_andResumesItInANewJob() throws Exception {
      try (TestServer server = start()) {
        String id = create(server, config(200, 2)).getId();
        Job first = awaitJob();
        String name = first.getMetadata().getName();
        admit(name);
        // Someone deletes the admitted Job (kubectl delete, a node drained): lost, not failed.
        client.batch().v1().jobs().inNamespace("test").withName(name).delete();

        Poll.until("a second Job for the resumed session", WAIT,
            () -> jobs().stream().anyMatch(j -> !j.getMetadata().getName().equals(name)));
        assertThat(jobs()).singleElement()
            .satisfies(j -> assertThat(j.getMetadata().getLabels()).containsEntry("ablserve.io/session", id));
        assertThat(log(server, id).stream().map(SessionEvent::getState)
                .filter(s -> s.getState() == SessionState.SESSION_STATE_INTERRUPTED))
            .singleElement()
            .satisfies(s -> assertThat(s.getReason()).contains("the Job was deleted"));
        server.blocking().cancelSession(CancelSessionRequest.newBuilder().setSessionId(id).build());
        awaitEnd(server, id);
      }
    }

    @Test
    void oomKilledJob_interruptsTheSession_andResumesItInANewJob() throws Exception {
      try (TestServer server = start()) {
        String id = create(server, config(200, 2)).getId();
        String name = awaitJob().getMetadata().getName();
        admit(name);
        // The kubelet kills the container for memory; with backoffLimit 0 the Job controller fails it.
        KubernetesJobsTest.createPod(client, name, KubernetesJobsTest.oomKilledPod());
        KubernetesJobsTest.failJob(
            client, name, "BackoffLimitExceeded", "Job has reached the specified backoff limit");

        Poll.until("a second Job for the resumed session", WAIT,
            () -> jobs().stream().anyMatch(j -> !j.getMetadata().getName().equals(name)));
        assertThat(jobs()).singleElement()
            .satisfies(j -> assertThat(j.getMetadata().getLabels()).containsEntry("ablserve.io/session", id));
        assertThat(log(server, id).stream().map(SessionEvent::getState)
                .map(StateChange::getState).filter(s -> s != SessionState.SESSION_STATE_UNSPECIFIED))
            .containsExactly(SessionState.SESSION_STATE_QUEUED, SessionState.SESSION_STATE_RUNNING,
                SessionState.SESSION_STATE_INTERRUPTED, SessionState.SESSION_STATE_QUEUED);
        assertThat(log(server, id).stream().map(SessionEvent::getState)
                .filter(s -> s.getState() == SessionState.SESSION_STATE_INTERRUPTED))
            .singleElement()
            .satisfies(s -> assertThat(s.getReason()).contains("OOMKilled", "exit code 137"));
        assertThat(get(server, id).getFailureReason()).isEmpty();
        server.blocking().cancelSession(CancelSessionRequest.newBuilder().setSessionId(id).build());
        assertThat(awaitEnd(server, id).getState()).isEqualTo(SessionState.SESSION_STATE_CANCELLED);
      }
    }

    @Test
    void oomKilledJobs_resumeTheSessionOnlyUpToMaxCrashResumes_thenItStaysInterrupted() throws Exception {
      try (TestServer server = start(1)) {
        String id = create(server, config(200, 2)).getId();
        List<String> seen = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
          Poll.until("Job " + (run + 1) + " of the session", WAIT,
              () -> jobs().stream().anyMatch(j -> !seen.contains(j.getMetadata().getName())));
          String name = jobs().stream().map(j -> j.getMetadata().getName())
              .filter(n -> !seen.contains(n)).findFirst().orElseThrow();
          seen.add(name);
          admit(name);
          KubernetesJobsTest.createPod(client, name, KubernetesJobsTest.oomKilledPod());
          KubernetesJobsTest.failJob(
              client, name, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
        }

        // The slot is free once the second run has ended, and by then the decision to resume is made.
        Poll.until("the second run ends", WAIT,
            () -> interruptions(server, id) == 2 && !devices(server).getSlots(0).getBusy());
        assertThat(get(server, id).getState()).isEqualTo(SessionState.SESSION_STATE_INTERRUPTED);
        assertThat(jobs()).as("no third Job: the second loss went past the bound").isEmpty();
        assertThat(log(server, id).stream().map(SessionEvent::getState)
                .filter(s -> s.getState() == SessionState.SESSION_STATE_INTERRUPTED))
            .hasSize(2);
      }
    }

    @Test
    void listDevices_saysKubernetes_andEachSlotAsItsJobsGetIt() throws Exception {
      try (TestServer server = start(3, "gpu:0,cpu,cpu:1", 2)) {
        ListDevicesResponse idle = devices(server);
        assertThat(idle.getIsolation()).isEqualTo("kubernetes");
        // A slot naming no thread count trains with the CPUs its Job requests (--k8s-cpus-per-slot).
        assertThat(idle.getSlotsList())
            .extracting(
                DeviceSlot::getName, DeviceSlot::getDevice, DeviceSlot::getThreads, DeviceSlot::getBusy)
            .containsExactly(
                tuple("gpu-0", "gpu:0", 2, false), tuple("cpu-0", "cpu", 2, false),
                tuple("cpu-1", "cpu", 1, false));

        String id = create(server, config(200, 2)).getId();
        awaitJob();
        Poll.until("a slot busy with the session", WAIT,
            () -> devices(server).getSlotsList().stream().anyMatch(DeviceSlot::getBusy));
        assertThat(devices(server).getSlotsList()).filteredOn(DeviceSlot::getBusy).singleElement()
            .satisfies(slot -> {
              assertThat(slot.getSessionId()).isEqualTo(id);
              assertThat(slot.getWorkerPid()).as("no process on this host").isZero();
            });
        server.blocking().cancelSession(CancelSessionRequest.newBuilder().setSessionId(id).build());
        awaitEnd(server, id);
      }
    }

    /**
     * A session's device picks among the slots: a GPU request waits for the GPU slot while the CPU slot
     * is free, a CPU request takes the CPU slot, and a device no slot has is refused at once. The control
     * plane's own engine sees no GPU here, as on a cluster whose GPUs are on the nodes.
     */
    @Test
    void deviceRequest_steersSessionsToTheSlotsServingIt_andOneNoSlotServesIsRefused() throws Exception {
      try (TestServer server = start(3, "cpu:1,gpu:0", 1)) {
        String first = create(server, onDevice("gpu")).getId();
        Poll.until("the GPU session's Job", WAIT, () -> jobs().size() == 1);
        String second = create(server, onDevice("GPU:0")).getId();
        String cpu = create(server, onDevice("cpu")).getId();
        Poll.until("the CPU session's Job", WAIT, () -> jobs().size() == 2);

        assertThat(jobs())
            .extracting(j -> j.getMetadata().getLabels().get(JobTemplate.SESSION_LABEL),
                j -> j.getMetadata().getLabels().get(JobTemplate.SLOT_LABEL))
            .containsExactlyInAnyOrder(tuple(first, "gpu-0"), tuple(cpu, "cpu-0"));
        assertThat(jobOf(first).getSpec().getTemplate().getSpec().getContainers().get(0).getResources()
                .getLimits())
            .containsKey("nvidia.com/gpu");
        Session waiting = get(server, second);
        assertThat(waiting.getState()).isEqualTo(SessionState.SESSION_STATE_QUEUED);
        assertThat(waiting.getConfig().getDevice()).isEqualTo("gpu:0");
        assertThat(waiting.getQueuePosition()).as("nothing queued ahead wants its slot").isZero();
        assertThat(get(server, first).getConfig().getDevice()).isEqualTo("gpu");

        assertThatThrownBy(() -> create(server, onDevice("gpu:1")))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .contains("device 'gpu:1' matches none of this server's slots (cpu-0 cpu, gpu-0 gpu:0)");
            });

        cancel(server, first);
        Poll.until("the second GPU session's Job", WAIT,
            () -> jobs().stream().anyMatch(
                j -> second.equals(j.getMetadata().getLabels().get(JobTemplate.SESSION_LABEL))));
        assertThat(jobOf(second).getMetadata().getLabels()).containsEntry(JobTemplate.SLOT_LABEL, "gpu-0");
        cancel(server, second);
        cancel(server, cpu);
        Poll.until("the Jobs deleted", WAIT, () -> jobs().isEmpty());
      }
    }

    /**
     * The whole hop: the server creates the Job, the test admits it and runs its container's command
     * with its env (the token read from its Secret), the worker trains and streams back, the session
     * succeeds and its Job is deleted. Not a pod: no image, no cgroup limits, no shared volume.
     */
    @Test
    @Tag("training")
    void admittedJob_runAsTheKubeletWould_trainsTheSession_andIsCleanedUp() throws Exception {
      try (TestServer server = start()) {
        String id = create(server, config(500, 2)).getId();
        Job job = awaitJob();
        String name = job.getMetadata().getName();
        admit(name);
        Process pod = runContainer(job, dataDir.resolve("pod.log"));
        try {
          Session done = awaitEnd(server, id);
          assertThat(done.getState())
              .as("%s; pod log: %s", done.getFailureReason(),
                  java.nio.file.Files.readString(dataDir.resolve("pod.log")))
              .isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
          List<SessionEvent> events = log(server, id);
          assertThat(events.stream().filter(SessionEvent::hasEpoch)).hasSize(2);
          assertThat(events.stream().filter(SessionEvent::hasStep)).isNotEmpty();
          assertThat(events).extracting(SessionEvent::getSequence).isSorted().doesNotHaveDuplicates();
          Poll.until("the Job deleted", WAIT, () -> jobs().isEmpty());
          assertThat(pod.waitFor(30, TimeUnit.SECONDS)).isTrue();
          assertThat(pod.exitValue()).isZero();
        } finally {
          pod.destroyForcibly();
        }
      }
    }

    /** Kueue's part: admission unsuspends the Job. */
    private void admit(String name) {
      client.batch().v1().jobs().inNamespace("test").withName(name).edit(j -> {
        j.getSpec().setSuspend(false);
        return j;
      });
    }

    /** The kubelet's part, roughly: the container's command and env as a local process. */
    private Process runContainer(Job job, Path log) throws Exception {
      var container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
      List<String> command = new ArrayList<>(container.getCommand());
      command.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
      ProcessBuilder builder =
          new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      for (EnvVar env : container.getEnv()) {
        String value = env.getValue();
        if (env.getValueFrom() != null) {
          var ref = env.getValueFrom().getSecretKeyRef();
          Secret secret = client.secrets().inNamespace("test").withName(ref.getName()).get();
          value =
              secret.getStringData() != null && secret.getStringData().containsKey(ref.getKey())
                  ? secret.getStringData().get(ref.getKey())
                  : new String(Base64.getDecoder().decode(secret.getData().get(ref.getKey())));
        }
        builder.environment().put(env.getName(), value);
      }
      return builder.start();
    }
  }

  private static SessionConfig config(int trainLimit, int epochs) {
    return SessionConfig.newBuilder()
        .setDataset(DatasetSpec.newBuilder().setTrainLimit(trainLimit).setTestLimit(200))
        .setAbl(AblConfig.newBuilder().setEpochs(epochs).setIsolationEpochs(1).setBatchSize(64)
            .setStepReportInterval(2).setRetrainUnconfirmed(false)) // the hop is under test, not ABL
        .setSeed(7)
        .build();
  }

  private static SessionConfig onDevice(String device) {
    return config(200, 2).toBuilder().setDevice(device).build();
  }

  private static void cancel(TestServer server, String id) throws InterruptedException {
    server.blocking().cancelSession(CancelSessionRequest.newBuilder().setSessionId(id).build());
    awaitEnd(server, id);
  }

  private static Session create(TestServer server, SessionConfig config) {
    return server.blocking().createSession(CreateSessionRequest.newBuilder().setConfig(config).build());
  }

  private static Session resume(TestServer server, ResumeSessionRequest.Builder request) {
    return server.blocking().resumeSession(request.build());
  }

  private static Session get(TestServer server, String id) {
    return server.blocking().getSession(GetSessionRequest.newBuilder().setSessionId(id).build());
  }

  private static List<SessionEvent> log(TestServer server, String id) {
    List<SessionEvent> events = new ArrayList<>();
    server.blocking()
        .watchSession(WatchSessionRequest.newBuilder().setSessionId(id).setFollow(false).build())
        .forEachRemaining(events::add);
    return events;
  }

  private static long interruptions(TestServer server, String id) {
    return log(server, id).stream()
        .filter(e -> e.getState().getState() == SessionState.SESSION_STATE_INTERRUPTED).count();
  }

  private static ListDevicesResponse devices(TestServer server) {
    return server.blocking().listDevices(ListDevicesRequest.getDefaultInstance());
  }

  private static Session awaitEnd(TestServer server, String id) throws InterruptedException {
    Poll.until("session " + id + " ends", WAIT, () -> {
      SessionState state = get(server, id).getState();
      return state == SessionState.SESSION_STATE_SUCCEEDED || state == SessionState.SESSION_STATE_FAILED
          || state == SessionState.SESSION_STATE_CANCELLED;
    });
    return get(server, id);
  }
}
