package io.ablserve.server.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * How sessions run as Kubernetes Jobs ({@code --isolation kubernetes}). {@link #DEFAULTS} is the one place
 * the defaults live; {@code --k8s-*} flags and {@code ABLSERVE_K8S_*} variables override them.
 *
 * @param namespace where Jobs are created; "" (the default) is the client's namespace: in a pod, its own
 * @param image the worker pods' image, the control plane's own (ablserve:cuda); required, no default
 * @param localQueue the Kueue LocalQueue the Jobs are labelled for. Default {@code ablserve}
 * @param claim the PersistentVolumeClaim holding the control plane's data folder (ReadWriteMany), mounted
 *     in every worker pod at the same path: checkpoints, models, uploaded datasets. Default {@code
 *     ablserve-data}
 * @param controlPlaneHost the name worker pods reach the control plane's worker channel by. Default
 *     {@code ablserve-workers} (the Service in docker/k8s)
 * @param workerPort the port the worker channel listens on, on all interfaces; 0 picks a free one
 *     (tests). Default 50052
 * @param gpusPerSlot GPUs a GPU slot's Job requests and limits. Default 1
 * @param gpuResource the extended resource GPUs are requested as. Default {@code nvidia.com/gpu}
 * @param cpusPerSlot CPUs a Job requests when its slot names no thread count (GPU slots, {@code cpu});
 *     a {@code cpu:T} slot requests T. Default 4
 * @param memoryPerSlot memory each Job requests and limits, as a Kubernetes quantity. Default 16Gi
 * @param ttlAfterFinished how long Kubernetes keeps a finished Job if the control plane has not deleted
 *     it (it deletes each at the end of its run). Default 1 h
 * @param startTimeout how long an admitted Job's worker may take to say hello (image pull, scheduling,
 *     JVM start); the wait for Kueue's admission does not count. Default 10 min
 * @param workerClasspath the server jar inside the image. Default {@code /opt/ablserve/ablserve-server.jar}
 * @param djlCacheDir DJL_CACHE_DIR in the worker pods, where the image unpacked its PyTorch natives;
 *     "" leaves it unset. Default {@code /opt/ablserve/djl}
 */
public record KubernetesConfig(
    String namespace,
    String image,
    String localQueue,
    String claim,
    String controlPlaneHost,
    int workerPort,
    int gpusPerSlot,
    String gpuResource,
    int cpusPerSlot,
    String memoryPerSlot,
    Duration ttlAfterFinished,
    Duration startTimeout,
    String workerClasspath,
    String djlCacheDir) {
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

  public static final KubernetesConfig DEFAULTS =
      new KubernetesConfig(
          "", "", "ablserve", "ablserve-data", "ablserve-workers", 50052, 1, "nvidia.com/gpu", 4, "16Gi",
          Duration.ofHours(1), Duration.ofMinutes(10), "/opt/ablserve/ablserve-server.jar",
          "/opt/ablserve/djl");

  public KubernetesConfig {
    requireNonNull(namespace, "namespace");
    requireNonNull(image, "image");
    requireNonNull(gpuResource, "gpuResource");
    requireNonNull(memoryPerSlot, "memoryPerSlot");
    requireNonNull(ttlAfterFinished, "ttlAfterFinished");
    requireNonNull(startTimeout, "startTimeout");
    requireNonNull(workerClasspath, "workerClasspath");
    requireNonNull(djlCacheDir, "djlCacheDir");
    if (!namespace.isEmpty() && !NAME.matcher(namespace).matches()) {
      throw new IllegalArgumentException("--k8s-namespace must be a Kubernetes name, got '" + namespace + "'");
    }
    for (String[] named :
        new String[][] {{"--k8s-queue", localQueue}, {"--k8s-claim", claim},
            {"--k8s-control-plane", controlPlaneHost}}) {
      if (named[1] == null || !NAME.matcher(named[1]).matches()) {
        throw new IllegalArgumentException(
            named[0] + " must be a Kubernetes name (lower case, digits, '-', '.'), got '" + named[1] + "'");
      }
    }
    if (workerPort < 0 || workerPort > 65535) {
      throw new IllegalArgumentException("--k8s-worker-port must be in [0, 65535], got " + workerPort);
    }
    if (gpusPerSlot < 1 || cpusPerSlot < 1) {
      throw new IllegalArgumentException(
          "--k8s-gpus-per-slot and --k8s-cpus-per-slot must be >= 1, got " + gpusPerSlot + " and "
              + cpusPerSlot);
    }
    if (ttlAfterFinished.isNegative() || startTimeout.isNegative() || startTimeout.isZero()) {
      throw new IllegalArgumentException("the Job TTL must be >= 0 and the start timeout > 0");
    }
  }

  /** Refuses a config that cannot launch a Job: one without an image. */
  public KubernetesConfig requireImage() {
    if (image.isBlank()) {
      throw new IllegalArgumentException(
          "--isolation kubernetes needs --k8s-image (ABLSERVE_K8S_IMAGE): the worker pods' image");
    }
    return this;
  }
}
