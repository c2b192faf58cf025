package io.ablserve.server.worker;

import java.time.Duration;
import java.util.Optional;

/**
 * A worker as the control plane sees it once launched, wherever it runs: a local process or a Kubernetes
 * Job. Its messages come over the worker channel; this is only its life and death.
 */
public interface LaunchedWorker {

  /** How an ended worker ended. */
  enum Ending {
    /** It exited by itself (a bad JVM option, a missing class, or after its run). */
    EXITED,
    /** Something outside it stopped it: a signal, the OOM killer, its Job deleted or preempted. */
    KILLED,
    /** The platform that ran it declared it failed, with a reason of its own (a Job's Failed condition). */
    FAILED
  }

  /**
   * How it ended: {@code code} is its exit code (-1 when unknown); {@code detail}, when not empty, says
   * what its platform reported, and is what a failed session's reason carries.
   */
  record Exit(Ending ending, int code, String detail) {
    /** The detail, or its exit code when it has none. */
    public String describe() {
      return detail.isEmpty() ? "exit code " + code : detail;
    }
  }

  /** How reasons and logs name it, e.g. {@code worker process 42 on slot cpu-0}. */
  String name();

  /**
   * False while it waits outside ablserve to be let run (a Job that Kueue has not admitted yet): its
   * start timeout counts only from when it is admitted.
   */
  default boolean admitted() {
    return true;
  }

  /** How it ended, or empty while it still runs (or waits). */
  Optional<Exit> exit();

  /** Waits up to {@code timeout} for it to end; how it ended, or empty. */
  Optional<Exit> awaitExit(Duration timeout) throws InterruptedException;

  /** Stops it now, without waiting for its last messages. */
  void kill();

  /** The last lines of its output, as {@code ": line | line"}, or "" when there are none. */
  default String logTail() {
    return "";
  }

  /** Its process id on this host; 0 when it runs elsewhere. */
  default long pid() {
    return 0;
  }

  /** Releases what it holds once its run is over (a Job and its Secret); called once, last. */
  default void release() {}
}
