package io.ablserve.server.k8s;

import io.ablserve.server.config.SlotSpec;
import io.ablserve.server.worker.LaunchedWorker;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One session's Job, as its worker: admitted once Kueue unsuspends it; ended when Kubernetes says it
 * failed (with its reason and the pod's termination message), completed, or when it is deleted or
 * suspended again (Kueue preempting it) after admission.
 */
final class JobWorker implements LaunchedWorker {
  private static final long POLL_MILLIS = 100;

  private final KubernetesJobs jobs;
  private final String name;
  private final SlotSpec slot;
  private volatile boolean killed;

  JobWorker(KubernetesJobs jobs, String name, SlotSpec slot) {
    this.jobs = jobs;
    this.name = name;
    this.slot = slot;
  }

  @Override
  public String name() {
    return "Kubernetes Job " + jobs.namespace() + "/" + name + " on slot " + slot.name();
  }

  @Override
  public boolean admitted() {
    return jobs.wasAdmitted(name);
  }

  @Override
  public Optional<Exit> exit() {
    Job job = jobs.watched(name);
    if (job == null) {
      // Not in the cache yet right after creation; deleted since, by ablserve or anyone else.
      return killed || jobs.wasDeleted(name)
          ? Optional.of(new Exit(Ending.KILLED, -1, "the Job was deleted"))
          : Optional.empty();
    }
    Optional<JobCondition> failed = condition(job, "Failed");
    if (failed.isPresent()) {
      return Optional.of(new Exit(Ending.FAILED, podExitCode(), failure(failed.get())));
    }
    if (condition(job, "Complete").isPresent()) {
      return Optional.of(new Exit(Ending.EXITED, 0, "the Job completed"));
    }
    if (Boolean.TRUE.equals(job.getSpec().getSuspend()) && jobs.wasAdmitted(name)) {
      return Optional.of(new Exit(Ending.KILLED, -1, "the Job was suspended again (preempted by Kueue)"));
    }
    return Optional.empty();
  }

  @Override
  public Optional<Exit> awaitExit(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Optional<Exit> exit = exit();
    while (exit.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(POLL_MILLIS);
      exit = exit();
    }
    return exit;
  }

  @Override
  public void kill() {
    killed = true;
    jobs.delete(name);
  }

  @Override
  public String logTail() {
    Optional<ContainerStateTerminated> terminated = terminated();
    String message = terminated.map(ContainerStateTerminated::getMessage).orElse(null);
    if (message == null || message.isBlank()) {
      return "";
    }
    List<String> lines = message.strip().lines().toList();
    return ": " + String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
  }

  @Override
  public void release() {
    jobs.delete(name);
    jobs.forget(name);
  }

  /** Kubernetes' reason and message, and the worker container's exit code and reason when known. */
  private String failure(JobCondition failed) {
    StringBuilder reason =
        new StringBuilder("Kubernetes reports ").append(nonEmpty(failed.getReason(), "Failed"));
    if (failed.getMessage() != null && !failed.getMessage().isBlank()) {
      reason.append(": ").append(failed.getMessage());
    }
    terminated().ifPresent(t -> {
      reason.append("; the worker container ended with exit code ").append(t.getExitCode());
      if (t.getReason() != null) {
        reason.append(" (").append(t.getReason()).append(')');
      }
    });
    return reason.toString();
  }

  private int podExitCode() {
    return terminated().map(t -> t.getExitCode() == null ? -1 : t.getExitCode()).orElse(-1);
  }

  /** The worker container's termination, from the Job's pod, when there is one to read. */
  private Optional<ContainerStateTerminated> terminated() {
    try {
      for (Pod pod :
          jobs.client().pods().inNamespace(jobs.namespace())
              .withLabel("batch.kubernetes.io/job-name", name).list().getItems()) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
          continue;
        }
        for (ContainerStatus status : pod.getStatus().getContainerStatuses()) {
          if (status.getState() != null && status.getState().getTerminated() != null) {
            return Optional.of(status.getState().getTerminated());
          }
        }
      }
    } catch (KubernetesClientException e) {
      // No pod to read (or no right to): Kubernetes' own reason stands alone.
    }
    return Optional.empty();
  }

  private static Optional<JobCondition> condition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
        .findFirst();
  }

  private static String nonEmpty(String value, String otherwise) {
    return value == null || value.isBlank() ? otherwise : value;
  }
}
