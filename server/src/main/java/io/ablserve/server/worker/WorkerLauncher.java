package io.ablserve.server.worker;

import io.ablserve.server.config.SlotSpec;
import java.io.IOException;

/**
 * Starts workers for a {@link WorkerPool}: as local processes, or elsewhere (Kubernetes Jobs). A worker
 * runs {@link WorkerMain} with {@link WorkerCommand}'s arguments and the token in {@link
 * WorkerMain#TOKEN_ENV}, and attaches to the pool's worker channel.
 */
public interface WorkerLauncher {

  /**
   * Called once as the pool starts, before any launch: a launcher whose workers can outlive a server
   * that died (Kubernetes Jobs) removes them here, since their sessions are about to be resumed.
   */
  default void start() throws IOException {}

  /**
   * Starts the worker of session {@code sessionId} on {@code slot}, proving itself with {@code token} to
   * the worker channel, which listens on {@code channelPort}.
   */
  LaunchedWorker launch(SlotSpec slot, String sessionId, String token, int channelPort)
      throws IOException;

  /**
   * True when its workers may wait outside ablserve before they run ({@link LaunchedWorker#admitted}
   * false): their sessions stay QUEUED meanwhile.
   */
  default boolean holdsUntilAdmitted() {
    return false;
  }

  /** How its workers run, as ListDevices names the isolation: {@code process} for local processes. */
  default String isolation() {
    return "process";
  }

  /** {@code slot} as the workers it launches get it (see {@code SlotTrainers.asRun}). */
  default SlotSpec asRun(SlotSpec slot) {
    return slot;
  }

  /** Stops what the launcher holds open (a watch on the cluster); called once, at shutdown. */
  default void close() {}
}
