package io.ablserve.server.k8s;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.config.KubernetesConfig;
import io.ablserve.server.config.SlotSpec;
import io.ablserve.server.worker.LaunchedWorker;
import io.ablserve.server.worker.WorkerLauncher;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * Workers as Kubernetes Jobs, one per session run: created suspended and labelled for a Kueue LocalQueue,
 * so that Kueue admits them and Kubernetes schedules them; ablserve only creates, watches and deletes
 * them. One informer watches every Job ablserve manages in the namespace; each {@link JobWorker} reads its
 * Job from the informer's cache.
 */
public final class KubernetesJobs implements WorkerLauncher {
  private static final Logger logger = Logger.getLogger(KubernetesJobs.class.getName());
  private static final SecureRandom random = new SecureRandom();
  private static final String SUFFIX_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final long START_SECONDS = 30;
  /**
   * How long a starting control plane waits for the Jobs its predecessor left to be gone: their pods'
   * grace period (30 s by default) and some.
   */
  private static final Duration LEFTOVERS_GONE = Duration.ofSeconds(60);

  private final KubernetesClient client;
  private final String namespace;
  private final JobTemplate template;
  private final SharedIndexInformer<Job> jobs;
  // The Jobs of runs under way, and what the watch's events showed of them: kept from the events, not
  // read from the cache when asked, since a Job admitted and deleted between two looks would otherwise
  // look never created.
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  private final Set<String> admitted = ConcurrentHashMap.newKeySet();
  private final Set<String> deleted = ConcurrentHashMap.newKeySet();

  /**
   * Launches Jobs per {@code config} through {@code client}, mounting the shared claim at {@code
   * dataDir}; starts watching the namespace's ablserve Jobs.
   */
  public KubernetesJobs(
      KubernetesClient client, KubernetesConfig config, Path dataDir, List<String> workerJvmOptions) {
    this.client = requireNonNull(client, "client");
    requireNonNull(config, "config").requireImage();
    this.namespace = config.namespace().isEmpty() ? client.getNamespace() : config.namespace();
    if (namespace == null) {
      throw new IllegalArgumentException(
          "--k8s-namespace is not set and the Kubernetes client has no namespace of its own");
    }
    this.template = new JobTemplate(config, dataDir, workerJvmOptions);
    this.jobs =
        client.batch().v1().jobs().inNamespace(namespace)
            .withLabel(JobTemplate.MANAGED_BY_LABEL, JobTemplate.MANAGED_BY)
            .withLabel(JobTemplate.CONTROL_PLANE_LABEL, template.controlPlane())
            .runnableInformer(0);
    jobs.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Job job) {
        noteAdmission(job);
      }

      @Override
      public void onUpdate(Job before, Job job) {
        noteAdmission(job);
      }

      @Override
      public void onDelete(Job job, boolean finalStateUnknown) {
        if (running.contains(job.getMetadata().getName())) {
          deleted.add(job.getMetadata().getName());
        }
      }
    });
    try {
      // A server that cannot watch its Jobs would run sessions blind: refuse to start instead.
      jobs.start().toCompletableFuture().get(START_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      jobs.close();
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IllegalStateException(
          "cannot list and watch Jobs in Kubernetes namespace " + namespace + " (waited up to "
              + START_SECONDS + " s; is the API server reachable, and does the service account's Role"
              + " allow it?): " + cause, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      jobs.close();
      throw new IllegalStateException("interrupted while starting to watch Jobs", e);
    }
  }

  /** The namespace the Jobs are created in. */
  public String namespace() {
    return namespace;
  }

  /**
   * Deletes the Jobs (and their pods and Secrets) an earlier control plane of this deployment left when
   * it died, before any session is resumed: see {@link LeftoverJobs}.
   */
  @Override
  public void start() throws IOException {
    List<String> deleted;
    try {
      deleted = new LeftoverJobs(client, namespace, template.controlPlane()).delete(LEFTOVERS_GONE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while deleting the Jobs an earlier control plane left", e);
    }
    if (!deleted.isEmpty()) {
      logger.info("deleted " + deleted.size() + " Kubernetes Job(s) an earlier control plane left in"
          + " namespace " + namespace + "; their sessions resume in new Jobs");
    }
  }

  @Override
  public LaunchedWorker launch(SlotSpec slot, String sessionId, String token, int channelPort)
      throws IOException {
    String name = jobName(sessionId);
    running.add(name);
    try {
      Job job =
          client.batch().v1().jobs().inNamespace(namespace)
              .resource(template.job(name, namespace, slot, sessionId, channelPort))
              .create();
      // Suspended until Kueue admits it, so no pod can want the Secret before it exists.
      client.secrets().inNamespace(namespace).resource(template.secret(job, token)).create();
    } catch (KubernetesClientException e) {
      delete(name);
      forget(name);
      throw new IOException(
          "cannot create the Kubernetes Job " + namespace + "/" + name + ": " + e.getMessage(), e);
    }
    logger.info("session " + sessionId + " runs as Kubernetes Job " + namespace + "/" + name
        + " on slot " + slot.name() + ", waiting for Kueue's admission");
    return new JobWorker(this, name, slot);
  }

  /** Kueue holds a Job until its quota has room. */
  @Override
  public boolean holdsUntilAdmitted() {
    return true;
  }

  @Override
  public String isolation() {
    return "kubernetes";
  }

  @Override
  public SlotSpec asRun(SlotSpec slot) {
    return template.withThreads(slot);
  }

  /** The Job called {@code name} as last watched, or null when none is (yet, or any more). */
  Job watched(String name) {
    return jobs.getStore().getByKey(namespace + "/" + name);
  }

  private void noteAdmission(Job job) {
    if (running.contains(job.getMetadata().getName())
        && !Boolean.TRUE.equals(job.getSpec().getSuspend())) {
      admitted.add(job.getMetadata().getName());
    }
  }

  /** True once the Job called {@code name} was seen unsuspended: Kueue admitted it. */
  boolean wasAdmitted(String name) {
    return admitted.contains(name);
  }

  /** True once the Job called {@code name} was seen deleted. */
  boolean wasDeleted(String name) {
    return deleted.contains(name);
  }

  /** Forgets what was seen of the Job called {@code name}, once its run is over. */
  void forget(String name) {
    running.remove(name);
    admitted.remove(name);
    deleted.remove(name);
  }

  KubernetesClient client() {
    return client;
  }

  /** Deletes the Job called {@code name} (its pods in the background) and its Secret; quiet when gone. */
  void delete(String name) {
    try {
      client.batch().v1().jobs().inNamespace(namespace).withName(name)
          .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
      client.secrets().inNamespace(namespace).withName(name).delete();
    } catch (KubernetesClientException e) {
      logger.warning("cannot delete the Kubernetes Job " + namespace + "/" + name + ": " + e.getMessage());
    }
  }

  @Override
  public void close() {
    jobs.close();
  }

  /** {@code abl-SESSION-xxxxx}: a Job of its own for each run of a session (a resume is a new Job). */
  private static String jobName(String sessionId) {
    String base = sessionId.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    StringBuilder name = new StringBuilder("abl-").append(base, 0, Math.min(base.length(), 40)).append('-');
    for (int i = 0; i < 5; i++) {
      name.append(SUFFIX_CHARS.charAt(random.nextInt(SUFFIX_CHARS.length())));
    }
    return name.toString();
  }
}
