package io.ablserve.server.k8s;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.config.KubernetesConfig;
import io.ablserve.server.config.SlotSpec;
import io.ablserve.server.worker.WorkerCommand;
import io.ablserve.server.worker.WorkerMain;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Job of one session's worker and the Secret with its token: what a local worker gets (the same main
 * class, arguments and JVM options, its token in {@link WorkerMain#TOKEN_ENV}), as a pod. The Job is
 * created suspended and labelled for its LocalQueue, so that Kueue admits it when its quota has room.
 */
final class JobTemplate {
  static final String QUEUE_LABEL = "kueue.x-k8s.io/queue-name";
  static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  static final String MANAGED_BY = "ablserve";
  static final String SESSION_LABEL = "ablserve.io/session";
  static final String SLOT_LABEL = "ablserve.io/slot";
  /**
   * Whose Jobs they are: the control plane their workers call home to, by its {@code
   * --k8s-control-plane} host. Two control planes sharing a namespace need different hosts anyway (a
   * Service each), and a restarted one keeps its host, so it finds the Jobs its predecessor left.
   */
  static final String CONTROL_PLANE_LABEL = "ablserve.io/control-plane";
  /** The longest label value Kubernetes takes. */
  private static final int LABEL_VALUE_MAX = 63;
  static final String TOKEN_KEY = "token";
  /** The image's user (docker/Dockerfile*): the owner of the shared data volume's files. */
  private static final long IMAGE_USER = 10001;

  private final KubernetesConfig config;
  private final Path dataDir;
  private final List<String> workerJvmOptions;

  /** Jobs per {@code config}, mounting the shared claim at the control plane's {@code dataDir}. */
  JobTemplate(KubernetesConfig config, Path dataDir, List<String> workerJvmOptions) {
    this.config = requireNonNull(config, "config");
    this.dataDir = requireNonNull(dataDir, "dataDir");
    this.workerJvmOptions = List.copyOf(workerJvmOptions);
  }

  /** This control plane's {@link #CONTROL_PLANE_LABEL} value. */
  String controlPlane() {
    return labelValue(config.controlPlaneHost());
  }

  /**
   * {@code host} as a label value: itself when it fits, else (a long DNS name) its head and a digest of
   * the whole, so that two long hosts alike in their first characters still differ.
   */
  static String labelValue(String host) {
    if (host.length() <= LABEL_VALUE_MAX) {
      return host;
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(host.getBytes(StandardCharsets.UTF_8));
      String hex = HexFormat.of().formatHex(digest, 0, 5);
      return host.substring(0, LABEL_VALUE_MAX - hex.length() - 1) + "-" + hex;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** Labels every Job and pod of session {@code sessionId} on {@code slot} carries. */
  Map<String, String> labels(SlotSpec slot, String sessionId) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/name", "ablserve");
    labels.put("app.kubernetes.io/component", "worker");
    labels.put(MANAGED_BY_LABEL, MANAGED_BY);
    labels.put(CONTROL_PLANE_LABEL, controlPlane());
    labels.put(SESSION_LABEL, sessionId);
    labels.put(SLOT_LABEL, slot.name());
    return labels;
  }

  /** The container's command: the worker main, reaching the control plane at its host and {@code port}. */
  List<String> command(SlotSpec slot, String sessionId, int port) {
    List<String> command = new ArrayList<>();
    command.add("java");
    command.addAll(WorkerCommand.jvmOptions(withThreads(slot), workerJvmOptions));
    command.add("-cp");
    command.add(config.workerClasspath());
    command.addAll(WorkerCommand.mainArguments(config.controlPlaneHost() + ":" + port, sessionId));
    return command;
  }

  /** A slot that names no thread count trains with the CPUs its Job requests. */
  SlotSpec withThreads(SlotSpec slot) {
    return slot.threads() > 0 ? slot : new SlotSpec(slot.name(), slot.device(), config.cpusPerSlot());
  }

  Job job(String name, String namespace, SlotSpec slot, String sessionId, int port) {
    Map<String, String> labels = labels(slot, sessionId);
    Map<String, String> jobLabels = new LinkedHashMap<>(labels);
    jobLabels.put(QUEUE_LABEL, config.localQueue());
    int cpus = withThreads(slot).threads();
    Map<String, Quantity> resources = new LinkedHashMap<>();
    resources.put("cpu", new Quantity(Integer.toString(cpus)));
    resources.put("memory", new Quantity(config.memoryPerSlot()));
    if (slot.isGpu()) {
      resources.put(config.gpuResource(), new Quantity(Integer.toString(config.gpusPerSlot())));
    }
    List<EnvVar> env = new ArrayList<>();
    env.add(new EnvVarBuilder()
        .withName(WorkerMain.TOKEN_ENV)
        .withNewValueFrom().withNewSecretKeyRef(TOKEN_KEY, name, false).endValueFrom()
        .build());
    env.add(new EnvVar("OMP_NUM_THREADS", Integer.toString(cpus), null));
    // The launcher's malloc settings (docker/bin/ablserve-entrypoint.sh, shared/BUILD-NOTES.md).
    env.add(new EnvVar("MALLOC_MMAP_THRESHOLD_", "134217728", null));
    env.add(new EnvVar("MALLOC_TRIM_THRESHOLD_", "4294967296", null));
    env.add(new EnvVar("MALLOC_TOP_PAD_", "268435456", null));
    if (!config.djlCacheDir().isEmpty()) {
      env.add(new EnvVar("DJL_CACHE_DIR", config.djlCacheDir(), null));
    }
    JobBuilder job =
        new JobBuilder()
            .withNewMetadata()
                .withName(name).withNamespace(namespace).withLabels(jobLabels)
            .endMetadata()
            .withNewSpec()
                .withSuspend(true) // Kueue unsuspends it on admission
                .withBackoffLimit(0) // a retry is the control plane's call (a resume), not the Job's
                .withTtlSecondsAfterFinished((int) config.ttlAfterFinished().toSeconds())
                .withNewTemplate()
                    .withNewMetadata().withLabels(labels).endMetadata()
                    .withNewSpec()
                        .withRestartPolicy("Never")
                        .withAutomountServiceAccountToken(false)
                        .withEnableServiceLinks(false)
                        .withNewSecurityContext()
                            .withRunAsNonRoot(true).withRunAsUser(IMAGE_USER).withRunAsGroup(IMAGE_USER)
                            .withFsGroup(IMAGE_USER)
                            .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                        .endSecurityContext()
                        .addNewContainer()
                            .withName("worker")
                            .withImage(config.image())
                            .withCommand(command(slot, sessionId, port))
                            .withEnv(env)
                            .withNewResources().withRequests(resources).withLimits(resources).endResources()
                            .addNewVolumeMount().withName("data").withMountPath(dataDir.toString()).endVolumeMount()
                            // The last lines of its log become the pod's termination message on failure.
                            .withTerminationMessagePolicy("FallbackToLogsOnError")
                            .withNewSecurityContext()
                                .withAllowPrivilegeEscalation(false)
                                .withNewCapabilities().addToDrop("ALL").endCapabilities()
                            .endSecurityContext()
                        .endContainer()
                        .addNewVolume()
                            .withName("data")
                            .withNewPersistentVolumeClaim().withClaimName(config.claim()).endPersistentVolumeClaim()
                        .endVolume()
                    .endSpec()
                .endTemplate()
            .endSpec();
    if (slot.isGpu()) {
      job.editSpec().editTemplate().editSpec()
          .addNewToleration().withKey(config.gpuResource()).withOperator("Exists").withEffect("NoSchedule")
          .endToleration()
          .endSpec().endTemplate().endSpec();
    }
    return job.build();
  }

  /** The Secret holding the worker's token, owned by {@code job} so that it goes when the Job goes. */
  Secret secret(Job job, String token) {
    return new SecretBuilder()
        .withNewMetadata()
            .withName(job.getMetadata().getName())
            .withNamespace(job.getMetadata().getNamespace())
            .withLabels(Map.of(MANAGED_BY_LABEL, MANAGED_BY, CONTROL_PLANE_LABEL, controlPlane()))
            .addNewOwnerReference()
                .withApiVersion("batch/v1").withKind("Job").withName(job.getMetadata().getName())
                .withUid(job.getMetadata().getUid()).withBlockOwnerDeletion(false)
            .endOwnerReference()
        .endMetadata()
        .withType("Opaque")
        .withStringData(Map.of(TOKEN_KEY, token))
        .build();
  }
}
