package io.ablserve.server.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.config.KubernetesConfig;
import io.ablserve.server.config.SlotSpec;
import io.ablserve.server.worker.LaunchedWorker;
import io.ablserve.server.worker.WorkerMain;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes launcher against fabric8's mock API server in CRUD mode (real HTTP, objects stored and
 * watched as an API server would). No kubelet, no Job controller and no Kueue run there: the tests play
 * them, setting a Job's {@code suspend} and status and creating its pod with a terminated state.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesJobsTest {
  static final Duration WAIT = Duration.ofSeconds(20);

  KubernetesMockServer server;
  KubernetesClient client;
  private KubernetesJobs jobs;

  static KubernetesConfig config(String classpath) {
    return config(classpath, "ablserve-workers");
  }

  /** A control plane whose workers reach it at {@code controlPlaneHost}. */
  static KubernetesConfig config(String classpath, String controlPlaneHost) {
    KubernetesConfig d = KubernetesConfig.DEFAULTS;
    return new KubernetesConfig(
        "", "registry.example/ablserve:cuda", "lab-gpus", "ablserve-data", controlPlaneHost, 0, 1,
        d.gpuResource(), 4, "16Gi", Duration.ofMinutes(30), d.startTimeout(), classpath, d.djlCacheDir());
  }

  @BeforeEach
  void start() {
    jobs = new KubernetesJobs(client, config("/opt/ablserve/ablserve-server.jar"), Path.of("/var/lib/ablserve"),
        List.of("-Xmx12g"));
  }

  @AfterEach
  void stop() {
    jobs.close();
  }

  private Job onlyJob() {
    List<Job> items = client.batch().v1().jobs().inNamespace("test").list().getItems();
    assertThat(items).hasSize(1);
    return items.get(0);
  }

  static void until(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void launch_createsASuspendedJobForTheLocalQueue_runningTheWorkerMainOnTheSharedClaim() throws Exception {
    jobs.launch(new SlotSpec("gpu-0", "gpu:0", 0), "0b5e-session", "s3cret", 50052);

    Job job = onlyJob();
    assertThat(job.getMetadata().getName()).startsWith("abl-0b5e-session-");
    assertThat(job.getMetadata().getLabels())
        .containsEntry("kueue.x-k8s.io/queue-name", "lab-gpus")
        .containsEntry("app.kubernetes.io/managed-by", "ablserve")
        .containsEntry("ablserve.io/session", "0b5e-session")
        .containsEntry("ablserve.io/slot", "gpu-0")
        .containsEntry("ablserve.io/control-plane", "ablserve-workers");
    assertThat(job.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("ablserve.io/control-plane", "ablserve-workers");
    assertThat(job.getSpec().getSuspend()).isTrue();
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(1800);
    var pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getVolumes()).singleElement()
        .satisfies(v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("ablserve-data"));
    assertThat(pod.getTolerations()).singleElement()
        .satisfies(t -> assertThat(t.getKey()).isEqualTo("nvidia.com/gpu"));
    Container worker = pod.getContainers().get(0);
    assertThat(worker.getImage()).isEqualTo("registry.example/ablserve:cuda");
    assertThat(worker.getVolumeMounts()).singleElement()
        .satisfies(m -> assertThat(m.getMountPath()).isEqualTo("/var/lib/ablserve"));
    assertThat(worker.getCommand()).startsWith("java")
        .contains("-Xmx12g", "-Dai.djl.pytorch.num_threads=4")
        .containsSubsequence("-cp", "/opt/ablserve/ablserve-server.jar", WorkerMain.class.getName(),
            "ablserve-workers:50052", "0b5e-session")
        .endsWith("0b5e-session")
        .doesNotContain("s3cret");
    Map<String, Quantity> gpu =
        Map.of("cpu", new Quantity("4"), "memory", new Quantity("16Gi"), "nvidia.com/gpu", new Quantity("1"));
    assertThat(worker.getResources().getRequests()).isEqualTo(gpu);
    assertThat(worker.getResources().getLimits()).isEqualTo(gpu);
    assertThat(worker.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
  }

  @Test
  void launch_onACpuSlot_requestsItsThreadsAndNoGpu() throws Exception {
    jobs.launch(new SlotSpec("cpu-1", "cpu", 2), "s-cpu", "t", 50052);

    Container worker = onlyJob().getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(worker.getResources().getRequests())
        .isEqualTo(Map.of("cpu", new Quantity("2"), "memory", new Quantity("16Gi")));
    assertThat(worker.getCommand()).contains("-Dai.djl.pytorch.num_threads=2");
    assertThat(worker.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("OMP_NUM_THREADS");
      assertThat(e.getValue()).isEqualTo("2");
    });
    assertThat(onlyJob().getSpec().getTemplate().getSpec().getTolerations()).isNullOrEmpty();
  }

  @Test
  void launch_putsTheTokenInASecretOwnedByTheJob_andTheWorkerReadsItFromThere() throws Exception {
    jobs.launch(new SlotSpec("cpu-0", "cpu", 1), "s-token", "s3cret", 50052);

    Job job = onlyJob();
    Secret secret = client.secrets().inNamespace("test").withName(job.getMetadata().getName()).get();
    assertThat(secret).isNotNull();
    String token =
        secret.getStringData() != null && secret.getStringData().containsKey("token")
            ? secret.getStringData().get("token")
            : new String(java.util.Base64.getDecoder().decode(secret.getData().get("token")));
    assertThat(token).isEqualTo("s3cret");
    assertThat(secret.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "ablserve")
        .containsEntry("ablserve.io/control-plane", "ablserve-workers");
    assertThat(secret.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
      assertThat(owner.getKind()).isEqualTo("Job");
      assertThat(owner.getName()).isEqualTo(job.getMetadata().getName());
    });
    var env = job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
    assertThat(env).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo(WorkerMain.TOKEN_ENV);
      assertThat(e.getValue()).isNull();
      assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo(job.getMetadata().getName());
    });
  }

  @Test
  void worker_isAdmittedOnlyOnceKueueUnsuspendsItsJob() throws Exception {
    LaunchedWorker worker = jobs.launch(new SlotSpec("cpu-0", "cpu", 1), "s-admit", "t", 50052);
    String name = onlyJob().getMetadata().getName();
    until("the Job is watched", () -> jobs.watched(name) != null);
    assertThat(worker.admitted()).isFalse();
    assertThat(worker.exit()).isEmpty();

    client.batch().v1().jobs().inNamespace("test").withName(name).edit(j -> {
      j.getSpec().setSuspend(false);
      return j;
    });
    until("the worker is admitted", worker::admitted);
    assertThat(worker.exit()).isEmpty();

    // Kueue preempting it suspends it again: its pods go, and the session is resumed later.
    client.batch().v1().jobs().inNamespace("test").withName(name).edit(j -> {
      j.getSpec().setSuspend(true);
      return j;
    });
    until("the worker ends", () -> worker.exit().isPresent());
    assertThat(worker.exit().orElseThrow().ending()).isEqualTo(LaunchedWorker.Ending.KILLED);
    assertThat(worker.exit().orElseThrow().detail()).contains("preempted");
  }

  @Test
  void failedJob_endsTheWorkerAsFailed_withKubernetesReasonAndTheContainersEnd() throws Exception {
    LaunchedWorker worker = jobs.launch(new SlotSpec("cpu-0", "cpu", 1), "s-fail", "t", 50052);
    String name = onlyJob().getMetadata().getName();
    // The kubelet's part: the worker's pod, terminated with its log's last lines as its message.
    createPod(client, name, new PodBuilder()
        .withNewStatus().withPhase("Failed").addNewContainerStatus().withName("worker").withNewState()
            .withNewTerminated().withExitCode(1).withReason("Error").withMessage("epoch 3\nstep 120\n")
            .endTerminated().endState().endContainerStatus().endStatus());
    // The Job controller's part: the Failed condition.
    failJob(client, name, "BackoffLimitExceeded", "Job has reached the specified backoff limit");

    until("the worker ends", () -> worker.exit().isPresent());
    LaunchedWorker.Exit exit = worker.exit().orElseThrow();
    assertThat(exit.ending()).isEqualTo(LaunchedWorker.Ending.FAILED);
    assertThat(exit.code()).isEqualTo(1);
    assertThat(exit.describe())
        .contains("BackoffLimitExceeded", "Job has reached the specified backoff limit", "exit code 1",
            "(Error)");
    assertThat(worker.logTail()).isEqualTo(": epoch 3 | step 120");
  }

  @Test
  void failedJob_whosePodWasOomKilled_endsTheWorkerAsKilled_notFailed() throws Exception {
    LaunchedWorker worker = jobs.launch(new SlotSpec("cpu-0", "cpu", 1), "s-oom", "t", 50052);
    String name = onlyJob().getMetadata().getName();
    createPod(client, name, oomKilledPod());
    failJob(client, name, "BackoffLimitExceeded", "Job has reached the specified backoff limit");

    until("the worker ends", () -> worker.exit().isPresent());
    LaunchedWorker.Exit exit = worker.exit().orElseThrow();
    assertThat(exit.ending()).isEqualTo(LaunchedWorker.Ending.KILLED);
    assertThat(exit.code()).isEqualTo(137);
    assertThat(exit.describe()).contains("OOMKilled", "exit code 137", "BackoffLimitExceeded");
  }

  @Test
  void failedJob_whosePodWasEvicted_endsTheWorkerAsKilled() throws Exception {
    LaunchedWorker worker = jobs.launch(new SlotSpec("cpu-0", "cpu", 1), "s-evict", "t", 50052);
    String name = onlyJob().getMetadata().getName();
    // The kubelet evicting it under node pressure: no container state of its own to tell.
    createPod(client, name, new PodBuilder()
        .withNewStatus().withPhase("Failed").withReason("Evicted")
            .withMessage("The node was low on resource: memory.").endStatus());
    failJob(client, name, "BackoffLimitExceeded", "Job has reached the specified backoff limit");

    until("the worker ends", () -> worker.exit().isPresent());
    LaunchedWorker.Exit exit = worker.exit().orElseThrow();
    assertThat(exit.ending()).isEqualTo(LaunchedWorker.Ending.KILLED);
    assertThat(exit.describe()).contains("Evicted", "The node was low on resource: memory.");
  }

  @Test
  void failedJob_whosePodWasPreempted_endsTheWorkerAsKilled() throws Exception {
    LaunchedWorker worker = jobs.launch(new SlotSpec("cpu-0", "cpu", 1), "s-preempt", "t", 50052);
    String name = onlyJob().getMetadata().getName();
    // The scheduler preempting it for a pod of higher priority (Kubernetes 1.26+ marks it so).
    createPod(client, name, new PodBuilder()
        .withNewStatus().withPhase("Failed")
            .addNewCondition().withType("DisruptionTarget").withStatus("True")
                .withReason("PreemptionByScheduler").withMessage("preempted by default/urgent").endCondition()
            .addNewContainerStatus().withName("worker").withNewState().withNewTerminated()
                .withExitCode(143).withReason("Error").endTerminated().endState().endContainerStatus()
        .endStatus());
    failJob(client, name, "BackoffLimitExceeded", "Job has reached the specified backoff limit");

    until("the worker ends", () -> worker.exit().isPresent());
    LaunchedWorker.Exit exit = worker.exit().orElseThrow();
    assertThat(exit.ending()).isEqualTo(LaunchedWorker.Ending.KILLED);
    assertThat(exit.describe()).contains("PreemptionByScheduler", "preempted by default/urgent");
  }

  @Test
  void completedJob_exitsWithCodeZero_andReleaseDeletesItAndItsSecret() throws Exception {
    LaunchedWorker worker = jobs.launch(new SlotSpec("cpu-0", "cpu", 1), "s-done", "t", 50052);
    String name = onlyJob().getMetadata().getName();
    client.batch().v1().jobs().inNamespace("test").withName(name).editStatus(j -> {
      j.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
          .withSucceeded(1)
          .withConditions(new JobConditionBuilder().withType("Complete").withStatus("True").build())
          .build());
      return j;
    });
    until("the worker ends", () -> worker.exit().isPresent());
    assertThat(worker.exit().orElseThrow().ending()).isEqualTo(LaunchedWorker.Ending.EXITED);
    assertThat(worker.exit().orElseThrow().code()).isZero();

    worker.release();
    assertThat(client.batch().v1().jobs().inNamespace("test").withName(name).get()).isNull();
    assertThat(client.secrets().inNamespace("test").withName(name).get()).isNull();
  }

  @Test
  void kill_deletesTheJob_andTheWorkerCountsAsKilled() throws Exception {
    LaunchedWorker worker = jobs.launch(new SlotSpec("cpu-0", "cpu", 1), "s-kill", "t", 50052);
    String name = onlyJob().getMetadata().getName();
    until("the Job is watched", () -> jobs.watched(name) != null);

    worker.kill();
    assertThat(client.batch().v1().jobs().inNamespace("test").withName(name).get()).isNull();
    assertThat(client.secrets().inNamespace("test").withName(name).get()).isNull();
    until("the worker ends", () -> worker.exit().isPresent());
    assertThat(worker.exit().orElseThrow().ending()).isEqualTo(LaunchedWorker.Ending.KILLED);
  }

  @Test
  void start_deletesTheJobsAnEarlierControlPlaneLeft_andLeavesOtherControlPlanesAndOthersJobsAlone()
      throws Exception {
    JobTemplate earlier = template("ablserve-workers");
    JobTemplate another = template("team-b-workers");
    // What a control plane that died leaves: a Job Kueue still holds, one admitted with its pod, one done.
    leave(earlier, "abl-held-aaaaa", "held", true);
    leave(earlier, "abl-running-bbbbb", "running", false);
    createPod(client, "abl-running-bbbbb", new PodBuilder().withNewStatus().withPhase("Running").endStatus());
    leave(earlier, "abl-done-ccccc", "done", false);
    failJob(client, "abl-done-ccccc", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
    leave(another, "abl-theirs-ddddd", "theirs", false);
    client.batch().v1().jobs().inNamespace("test").resource(new JobBuilder()
            .withNewMetadata().withName("nightly-backup").endMetadata()
            .withNewSpec().withNewTemplate().endTemplate().endSpec().build())
        .create();
    // Made before the control-plane label: whose it is cannot be told.
    client.batch().v1().jobs().inNamespace("test").resource(new JobBuilder()
            .withNewMetadata().withName("abl-older-eeeee")
                .addToLabels("app.kubernetes.io/managed-by", "ablserve").endMetadata()
            .withNewSpec().withNewTemplate().endTemplate().endSpec().build())
        .create();

    jobs.start();

    assertThat(client.batch().v1().jobs().inNamespace("test").list().getItems())
        .extracting(j -> j.getMetadata().getName())
        .containsExactlyInAnyOrder("abl-theirs-ddddd", "nightly-backup", "abl-older-eeeee");
    assertThat(client.secrets().inNamespace("test").list().getItems())
        .extracting(j -> j.getMetadata().getName())
        .containsExactly("abl-theirs-ddddd");

    // This control plane's own Jobs go on as before.
    LaunchedWorker worker = jobs.launch(new SlotSpec("cpu-0", "cpu", 1), "held", "t2", 50052);
    until("the new Job is watched", () -> client.batch().v1().jobs().inNamespace("test").list().getItems()
        .stream().anyMatch(j -> jobs.watched(j.getMetadata().getName()) != null));
    assertThat(worker.exit()).isEmpty();
    assertThat(jobs.watched("abl-theirs-ddddd")).as("another control plane's Jobs are not watched").isNull();
  }

  @Test
  void start_withNoJobsLeft_deletesNothing() throws Exception {
    leave(template("team-b-workers"), "abl-theirs-ddddd", "theirs", true);

    jobs.start();

    assertThat(client.batch().v1().jobs().inNamespace("test").list().getItems()).hasSize(1);
  }

  @Test
  void controlPlaneLabel_isTheHost_orForALongHostItsHeadAndADigest() {
    assertThat(JobTemplate.labelValue("ablserve-workers.ml.svc.cluster.local"))
        .isEqualTo("ablserve-workers.ml.svc.cluster.local");
    // Alike in their first 52 characters, the most a long host's label keeps.
    String a = JobTemplate.labelValue("ablserve-workers-for-the-vision-group." + "x".repeat(30) + ".svc.local");
    String b = JobTemplate.labelValue("ablserve-workers-for-the-vision-group." + "y".repeat(30) + ".svc.local");
    assertThat(a).hasSize(63).matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?").isNotEqualTo(b);
  }

  private static JobTemplate template(String controlPlaneHost) {
    return new JobTemplate(
        config("/opt/ablserve/ablserve-server.jar", controlPlaneHost), Path.of("/var/lib/ablserve"), List.of());
  }

  /** A Job (and its Secret) as the control plane {@code template} describes created it, then died. */
  private void leave(JobTemplate template, String name, String sessionId, boolean suspended) {
    Job job = template.job(name, "test", new SlotSpec("cpu-0", "cpu", 1), sessionId, 50052);
    job.getSpec().setSuspend(suspended);
    Job created = client.batch().v1().jobs().inNamespace("test").resource(job).create();
    client.secrets().inNamespace("test").resource(template.secret(created, "old-token")).create();
  }

  /** The worker container of a pod killed by the kernel for exceeding its memory limit. */
  static PodBuilder oomKilledPod() {
    return new PodBuilder()
        .withNewStatus().withPhase("Failed").addNewContainerStatus().withName("worker").withNewState()
            .withNewTerminated().withExitCode(137).withReason("OOMKilled").endTerminated().endState()
            .endContainerStatus().endStatus();
  }

  /** The kubelet's part: the pod of the Job called {@code job}, as {@code pod} describes its status. */
  static void createPod(KubernetesClient client, String job, PodBuilder pod) {
    client.pods().inNamespace("test").resource(pod
            .withNewMetadata().withName(job + "-x7k2p")
                .addToLabels("batch.kubernetes.io/job-name", job).endMetadata()
            .build())
        .create();
  }

  /** What the Job controller does once a Job's pod failed with backoffLimit 0. */
  static void failJob(KubernetesClient client, String name, String reason, String message) {
    client.batch().v1().jobs().inNamespace("test").withName(name).editStatus(j -> {
      j.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
          .withFailed(1)
          .withConditions(new JobConditionBuilder()
              .withType("Failed").withStatus("True").withReason(reason).withMessage(message).build())
          .build());
      return j;
    });
  }
}
