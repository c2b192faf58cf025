package io.ablserve.server.k8s;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The Jobs an earlier control plane of this deployment left when it died rather than stopped (one that
 * stops deletes its own): found by their {@link JobTemplate#CONTROL_PLANE_LABEL}, and deleted with their
 * pods before this control plane resumes their sessions in Jobs of its own, so that no session has two
 * workers and no suspended Job waits in Kueue's queue for ever.
 *
 * <p>None is adopted. A worker whose channel to its control plane breaks exits, so a running one has
 * nothing left to reattach (or, if its control plane's node vanished without closing the connection,
 * trains for no one until it is deleted); and a suspended one's token is in a Secret the control plane
 * may create and delete but not read back (docker/k8s/rbac.yaml).
 */
final class LeftoverJobs {
  private static final Logger logger = Logger.getLogger(LeftoverJobs.class.getName());
  private static final long POLL_MILLIS = 250;

  private final KubernetesClient client;
  private final String namespace;
  private final String controlPlane;

  LeftoverJobs(KubernetesClient client, String namespace, String controlPlane) {
    this.client = requireNonNull(client, "client");
    this.namespace = requireNonNull(namespace, "namespace");
    this.controlPlane = requireNonNull(controlPlane, "controlPlane");
  }

  /**
   * Deletes every Job of this control plane, and its Secret, with foreground propagation (a Job goes
   * once its pods have), then waits up to {@code timeout} for them to be gone. Jobs of other control
   * planes and Jobs ablserve does not manage are left alone. Returns the names of the Jobs deleted.
   *
   * @throws IOException when they cannot be listed or deleted: starting anyway could give a session two
   *     workers
   */
  List<String> delete(Duration timeout) throws IOException, InterruptedException {
    List<Job> left;
    try {
      List<Job> managed = managed();
      left = managed.stream().filter(this::ours).toList();
      warnOfUnlabelled(managed);
      for (Job job : left) {
        String name = job.getMetadata().getName();
        logger.info("deleting Kubernetes Job " + namespace + "/" + name + " (session "
            + job.getMetadata().getLabels().get(JobTemplate.SESSION_LABEL) + ", " + state(job)
            + "), left by an earlier control plane of this deployment ("
            + JobTemplate.CONTROL_PLANE_LABEL + "=" + controlPlane + ")");
        client.batch().v1().jobs().inNamespace(namespace).withName(name)
            .withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
        // Owned by its Job, so the garbage collector would take it too; this is at once.
        client.secrets().inNamespace(namespace).withName(name).delete();
      }
    } catch (KubernetesClientException e) {
      throw new IOException(
          "cannot delete the Kubernetes Jobs an earlier control plane left in namespace " + namespace
              + " (does the service account's Role allow listing and deleting Jobs and deleting"
              + " Secrets?): " + e.getMessage(), e);
    }
    List<String> names = left.stream().map(j -> j.getMetadata().getName()).toList();
    awaitGone(Set.copyOf(names), timeout);
    return names;
  }

  private List<Job> managed() {
    return client.batch().v1().jobs().inNamespace(namespace)
        .withLabel(JobTemplate.MANAGED_BY_LABEL, JobTemplate.MANAGED_BY)
        .list().getItems();
  }

  private boolean ours(Job job) {
    return controlPlane.equals(job.getMetadata().getLabels().get(JobTemplate.CONTROL_PLANE_LABEL));
  }

  /** Jobs from before the control-plane label: whose they are cannot be told, so they stay. */
  private void warnOfUnlabelled(List<Job> managed) {
    String unlabelled =
        managed.stream()
            .filter(j -> !j.getMetadata().getLabels().containsKey(JobTemplate.CONTROL_PLANE_LABEL))
            .map(j -> j.getMetadata().getName())
            .collect(Collectors.joining(", "));
    if (!unlabelled.isEmpty()) {
      logger.warning("left alone in namespace " + namespace + ", as no " + JobTemplate.CONTROL_PLANE_LABEL
          + " label says whose they are: Kubernetes Jobs " + unlabelled + " (made by an older ablserve;"
          + " delete them with kubectl if this deployment's control plane made them)");
    }
  }

  /** Until none of {@code names} is listed any more, or {@code timeout} has passed. */
  private void awaitGone(Set<String> names, Duration timeout) throws InterruptedException {
    if (names.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    Set<String> remaining = names;
    while (true) {
      try {
        remaining =
            managed().stream().map(j -> j.getMetadata().getName()).filter(names::contains)
                .collect(Collectors.toSet());
      } catch (KubernetesClientException e) {
        // Asked again at the next look; deleted they are, whatever this look says.
      }
      if (remaining.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(POLL_MILLIS);
    }
    logger.warning("Kubernetes Jobs " + String.join(", ", remaining) + " in namespace " + namespace
        + " are still being deleted after " + timeout.toSeconds() + " s (their pods' node unreachable?);"
        + " their sessions resume in new Jobs anyway: a worker cannot attach to this control plane with"
        + " its old token");
  }

  /** What the Job was doing when its control plane died, for the log. */
  private static String state(Job job) {
    List<JobCondition> conditions =
        job.getStatus() == null || job.getStatus().getConditions() == null
            ? List.of()
            : job.getStatus().getConditions();
    for (JobCondition condition : conditions) {
      if (("Complete".equals(condition.getType()) || "Failed".equals(condition.getType()))
          && "True".equals(condition.getStatus())) {
        return condition.getType().toLowerCase(java.util.Locale.ROOT);
      }
    }
    return Boolean.TRUE.equals(job.getSpec().getSuspend())
        ? "suspended, waiting for Kueue"
        : "admitted, its worker maybe still running";
  }
}
