package io.ablserve.server.config;

/** Where a session's training runs. */
public enum Isolation {
  /**
   * In the server's own process, one session at a time: DJL's PyTorch gradient collector and random seed
   * are process-global, so two trainings in one JVM would mix. One slot only.
   */
  INLINE,
  /**
   * Each session in a worker process of its own (a JVM running the training core), one per device slot:
   * sessions on different slots train at once, and a worker that crashes takes only its session down.
   */
  PROCESS,
  /**
   * Each session in a Kubernetes Job of its own, admitted by Kueue, its pod running the same worker as
   * {@link #PROCESS} and reporting back over the network; slots bound how many Jobs exist at once.
   */
  KUBERNETES
}
