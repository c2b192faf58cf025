package io.ablserve.server.k8s;

import io.ablserve.server.config.SlotSpec;
import io.ablserve.server.worker.LaunchedWorker;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One session's Job, as its worker: admitted once Kueue unsuspends it; ended when Kubernetes says it
 * failed (with its reason and the pod's termination message), completed, or when it is deleted or
 * suspended again (Kueue preempting it) after admission. A Job that failed because its pod was stopped
 * from outside (killed for memory, evicted, preempted) ends as {@link Ending#KILLED}, as a local worker
 * killed by a signal does: its session is resumed, not failed.
 */
final class JobWorker implements LaunchedWorker {
  private static final long POLL_MILLIS = 100;
  /**
   * A failed pod's {@code status.reason} when something outside it stopped it: the kubelet evicting it
   * under node pressure ({@code Evicted}), preempting it for a critical pod ({@code Preempting}), or its
   * node shutting down ({@code Terminated}, {@code NodeShutdown}). Kubernetes 1.26+ also marks these with
   * a {@code DisruptionTarget} condition; older ones only say it here.
   */
  private static final Set<String> DISRUPTED_POD_REASONS =
      Set.of("Evicted", "Preempting", "Terminated", "NodeShutdown");

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
      Optional<Pod> pod = pod();
      Optional<ContainerStateTerminated> terminated = pod.flatMap(JobWorker::terminated);
      int code = terminated.map(t -> t.getExitCode() == null ? -1 : t.getExitCode()).orElse(-1);
      String failure = failure(failed.get(), terminated);
      Optional<String> disruption = pod.flatMap(JobWorker::disruption);
      return Optional.of(disruption.isPresent()
          ? new Exit(Ending.KILLED, code, disruption.get() + "; " + failure)
          : new Exit(Ending.FAILED, code, failure));
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
    Optional<ContainerStateTerminated> terminated = pod().flatMap(JobWorker::terminated);
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
  private static String failure(JobCondition failed, Optional<ContainerStateTerminated> terminated) {
    StringBuilder reason =
        new StringBuilder("Kubernetes reports ").append(nonEmpty(failed.getReason(), "Failed"));
    if (failed.getMessage() != null && !failed.getMessage().isBlank()) {
      reason.append(": ").append(failed.getMessage());
    }
    terminated.ifPresent(t -> {
      reason.append("; the worker container ended with exit code ").append(t.getExitCode());
      if (t.getReason() != null) {
        reason.append(" (").append(t.getReason()).append(')');
      }
    });
    return reason.toString();
  }

  /**
   * How {@code pod} was stopped from outside, when it was: its container killed by the kernel for
   * exceeding its memory limit, the pod evicted (node pressure, the eviction API, a node shutting down)
   * or preempted. None of these says the session is at fault, any more than kill -9 of a local worker.
   * An OOM kill may well recur (the limit is too low for the session): {@code --max-crash-resumes}, as
   * for local workers, bounds the retries.
   */
  static Optional<String> disruption(Pod pod) {
    Optional<ContainerStateTerminated> terminated = terminated(pod);
    if (terminated.isPresent() && "OOMKilled".equals(terminated.get().getReason())) {
      return Optional.of("the worker container was killed for exceeding its memory limit (OOMKilled)");
    }
    if (pod.getStatus() == null) {
      return Optional.empty();
    }
    if (pod.getStatus().getConditions() != null) {
      for (PodCondition condition : pod.getStatus().getConditions()) {
        if ("DisruptionTarget".equals(condition.getType()) && "True".equals(condition.getStatus())) {
          return Optional.of("the pod was disrupted (" + nonEmpty(condition.getReason(), "DisruptionTarget")
              + suffix(condition.getMessage()) + ")");
        }
      }
    }
    String reason = pod.getStatus().getReason();
    if (reason != null && DISRUPTED_POD_REASONS.contains(reason)) {
      return Optional.of("the pod was stopped (" + reason + suffix(pod.getStatus().getMessage()) + ")");
    }
    return Optional.empty();
  }

  /** The Job's pod, when there is one to read (with backoffLimit 0, at most one). */
  private Optional<Pod> pod() {
    try {
      return jobs.client().pods().inNamespace(jobs.namespace())
          .withLabel("batch.kubernetes.io/job-name", name).list().getItems().stream()
          .findFirst();
    } catch (KubernetesClientException e) {
      // No pod to read (or no right to): Kubernetes' own reason stands alone.
      return Optional.empty();
    }
  }

  /** The worker container's termination, when {@code pod} says it terminated. */
  private static Optional<ContainerStateTerminated> terminated(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    for (ContainerStatus status : pod.getStatus().getContainerStatuses()) {
      if (status.getState() != null && status.getState().getTerminated() != null) {
        return Optional.of(status.getState().getTerminated());
      }
    }
    return Optional.empty();
  }

  private static String suffix(String message) {
    return message == null || message.isBlank() ? "" : ": " + message.strip();
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
