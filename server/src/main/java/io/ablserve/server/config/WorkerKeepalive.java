package io.ablserve.server.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * How a worker finds out that its control plane went silent (a host gone without a TCP reset, a network
 * partition): it pings over the worker channel after {@code time} without hearing from it, and gives the
 * channel up when a ping goes unanswered for {@code timeout}, exiting as orphaned. The control plane sets
 * it, passes it to its workers as system properties, and permits pings that often.
 *
 * @param time quiet time before a ping; at least 10 s, gRPC's floor for a client. Default 10 s
 * @param timeout how long a ping may go unanswered. Default 10 s
 */
public record WorkerKeepalive(Duration time, Duration timeout) {
  /** The system property a worker reads {@link #time} from, in milliseconds. */
  public static final String TIME_PROPERTY = "ablserve.worker.keepalive_time_ms";
  /** The system property a worker reads {@link #timeout} from, in milliseconds. */
  public static final String TIMEOUT_PROPERTY = "ablserve.worker.keepalive_timeout_ms";

  public static final WorkerKeepalive DEFAULTS =
      new WorkerKeepalive(Duration.ofSeconds(10), Duration.ofSeconds(10));

  public WorkerKeepalive {
    requireNonNull(time, "time");
    requireNonNull(timeout, "timeout");
    // grpc-java raises a shorter time to 10 s without a word; the control plane would then permit pings
    // more often than they come, harmlessly, but the setting would not mean what it says.
    if (time.compareTo(Duration.ofSeconds(10)) < 0) {
      throw new IllegalArgumentException("--worker-keepalive-seconds must be >= 10, got " + time.toSeconds());
    }
    if (timeout.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException(
          "--worker-keepalive-timeout-seconds must be >= 1, got " + timeout.toSeconds());
    }
  }

  /** The JVM options that hand this to a worker. */
  public List<String> jvmOptions() {
    return List.of(
        "-D" + TIME_PROPERTY + "=" + time.toMillis(), "-D" + TIMEOUT_PROPERTY + "=" + timeout.toMillis());
  }

  /** What this worker's control plane set, through {@link #jvmOptions}; the defaults where it set none. */
  public static WorkerKeepalive fromSystemProperties() {
    return new WorkerKeepalive(
        Duration.ofMillis(Long.getLong(TIME_PROPERTY, DEFAULTS.time.toMillis())),
        Duration.ofMillis(Long.getLong(TIMEOUT_PROPERTY, DEFAULTS.timeout.toMillis())));
  }
}
