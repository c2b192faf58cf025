package io.ablserve.server.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How much of the server one client may hold: admission to the expensive calls and the per-connection
 * limits of the HTTP/2 transport. {@link #DEFAULTS} is the one place the defaults live; {@code Main}'s
 * flags override them field by field.
 *
 * @param maxConcurrentEvaluations Evaluate calls worked on at once, >= 1. Default 2.
 * @param maxQueuedEvaluations Evaluate calls that may wait for one of those, >= 0; one more is refused
 *     with RESOURCE_EXHAUSTED. Default 8.
 * @param maxConcurrentExports ExportModel streams open at once, >= 1; one more is RESOURCE_EXHAUSTED.
 *     Default 4.
 * @param maxConcurrentUploads UploadDataset calls open at once, >= 1; one more is RESOURCE_EXHAUSTED.
 *     Default 2.
 * @param maxCallsPerConnection concurrent calls (HTTP/2 streams) on one connection, >= 1. Default 100.
 * @param maxRstFramesPerWindow RST_STREAM frames one connection may send per {@code rstWindow} before the
 *     server closes it (HTTP/2 rapid reset), >= 1. Default 200.
 * @param rstWindow the window of {@code maxRstFramesPerWindow}, >= 1 s. Default 10 s.
 * @param permitKeepAliveTime the most frequent client keepalive ping accepted; pinging faster gets the
 *     connection closed. Default 30 s.
 * @param permitKeepAliveWithoutCalls whether clients may ping while they have no call open. Default false.
 * @param maxConnectionAge age after which a connection is asked to go away (new calls move to a new
 *     connection); {@link Duration#ZERO} for none. Default 1 h.
 * @param maxConnectionAgeGrace how long calls open on an aged connection may go on; {@link Duration#ZERO}
 *     for as long as they last (watch streams of long sessions). Default zero.
 * @param maxMessageBytes largest inbound message, >= 1 MiB + 64 KiB (the clients send 1 MiB upload
 *     chunks); a server's effective limit is also no more than its upload limit plus 64 KiB (see {@link
 *     ServerConfig#maxInboundMessageBytes}). Default 4 MiB, gRPC's.
 * @param watchStallTimeout how long a WatchSession stream may stay stalled (its client not reading, so
 *     flow control holds what the server has for it) before the server ends it with RESOURCE_EXHAUSTED
 *     naming the sequence to resume from; > 0. Default 5 min.
 * @param uploadIdleTimeout how long an UploadDataset call may go without a message (its metadata, a
 *     chunk or its end) before the server ends it with DEADLINE_EXCEEDED, removes what it received and
 *     frees its admission slot, so a client that stalls cannot hold one of the {@code
 *     maxConcurrentUploads} for ever; > 0. Default 1 min.
 */
public record ServiceLimits(
    int maxConcurrentEvaluations,
    int maxQueuedEvaluations,
    int maxConcurrentExports,
    int maxConcurrentUploads,
    int maxCallsPerConnection,
    int maxRstFramesPerWindow,
    Duration rstWindow,
    Duration permitKeepAliveTime,
    boolean permitKeepAliveWithoutCalls,
    Duration maxConnectionAge,
    Duration maxConnectionAgeGrace,
    int maxMessageBytes,
    Duration watchStallTimeout,
    Duration uploadIdleTimeout) {

  /** What an upload chunk message may carry beyond its bytes. */
  public static final int MESSAGE_OVERHEAD_BYTES = 64 << 10;

  public static final ServiceLimits DEFAULTS =
      new ServiceLimits(
          2, 8, 4, 2, 100, 200, Duration.ofSeconds(10), Duration.ofSeconds(30), false,
          Duration.ofHours(1), Duration.ZERO, 4 << 20, Duration.ofMinutes(5), Duration.ofMinutes(1));

  public ServiceLimits {
    requireNonNull(rstWindow, "rstWindow");
    requireNonNull(permitKeepAliveTime, "permitKeepAliveTime");
    requireNonNull(maxConnectionAge, "maxConnectionAge");
    requireNonNull(maxConnectionAgeGrace, "maxConnectionAgeGrace");
    requireNonNull(watchStallTimeout, "watchStallTimeout");
    requireNonNull(uploadIdleTimeout, "uploadIdleTimeout");
    atLeast("max concurrent evaluations", maxConcurrentEvaluations, 1);
    atLeast("max queued evaluations", maxQueuedEvaluations, 0);
    atLeast("max concurrent exports", maxConcurrentExports, 1);
    atLeast("max concurrent uploads", maxConcurrentUploads, 1);
    atLeast("max calls per connection", maxCallsPerConnection, 1);
    atLeast("max RST frames per window", maxRstFramesPerWindow, 1);
    if (rstWindow.compareTo(Duration.ofSeconds(1)) < 0 || rstWindow.toSeconds() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("RST window must be >= 1 s, got " + rstWindow);
    }
    notNegative("permit keepalive time", permitKeepAliveTime);
    notNegative("max connection age", maxConnectionAge);
    notNegative("max connection age grace", maxConnectionAgeGrace);
    atLeast("max message bytes", maxMessageBytes, (1 << 20) + MESSAGE_OVERHEAD_BYTES);
    if (watchStallTimeout.isNegative() || watchStallTimeout.isZero()) {
      throw new IllegalArgumentException("watch stall timeout must be > 0, got " + watchStallTimeout);
    }
    if (uploadIdleTimeout.isNegative() || uploadIdleTimeout.isZero()) {
      throw new IllegalArgumentException("upload idle timeout must be > 0, got " + uploadIdleTimeout);
    }
  }

  public ServiceLimits withEvaluations(int concurrent, int queued) {
    return new ServiceLimits(concurrent, queued, maxConcurrentExports, maxConcurrentUploads,
        maxCallsPerConnection, maxRstFramesPerWindow, rstWindow, permitKeepAliveTime,
        permitKeepAliveWithoutCalls, maxConnectionAge, maxConnectionAgeGrace, maxMessageBytes,
        watchStallTimeout, uploadIdleTimeout);
  }

  public ServiceLimits withRstFrames(int frames, Duration window) {
    return new ServiceLimits(maxConcurrentEvaluations, maxQueuedEvaluations, maxConcurrentExports,
        maxConcurrentUploads, maxCallsPerConnection, frames, window, permitKeepAliveTime,
        permitKeepAliveWithoutCalls, maxConnectionAge, maxConnectionAgeGrace, maxMessageBytes,
        watchStallTimeout, uploadIdleTimeout);
  }

  public ServiceLimits withWatchStallTimeout(Duration timeout) {
    return new ServiceLimits(maxConcurrentEvaluations, maxQueuedEvaluations, maxConcurrentExports,
        maxConcurrentUploads, maxCallsPerConnection, maxRstFramesPerWindow, rstWindow, permitKeepAliveTime,
        permitKeepAliveWithoutCalls, maxConnectionAge, maxConnectionAgeGrace, maxMessageBytes, timeout,
        uploadIdleTimeout);
  }

  public ServiceLimits withUploadIdleTimeout(Duration timeout) {
    return new ServiceLimits(maxConcurrentEvaluations, maxQueuedEvaluations, maxConcurrentExports,
        maxConcurrentUploads, maxCallsPerConnection, maxRstFramesPerWindow, rstWindow, permitKeepAliveTime,
        permitKeepAliveWithoutCalls, maxConnectionAge, maxConnectionAgeGrace, maxMessageBytes,
        watchStallTimeout, timeout);
  }

  public ServiceLimits withCallsPerConnection(int calls) {
    return new ServiceLimits(maxConcurrentEvaluations, maxQueuedEvaluations, maxConcurrentExports,
        maxConcurrentUploads, calls, maxRstFramesPerWindow, rstWindow, permitKeepAliveTime,
        permitKeepAliveWithoutCalls, maxConnectionAge, maxConnectionAgeGrace, maxMessageBytes,
        watchStallTimeout, uploadIdleTimeout);
  }

  public ServiceLimits withKeepAlivePolicy(Duration permitTime, boolean withoutCalls) {
    return new ServiceLimits(maxConcurrentEvaluations, maxQueuedEvaluations, maxConcurrentExports,
        maxConcurrentUploads, maxCallsPerConnection, maxRstFramesPerWindow, rstWindow, permitTime,
        withoutCalls, maxConnectionAge, maxConnectionAgeGrace, maxMessageBytes, watchStallTimeout,
        uploadIdleTimeout);
  }

  public ServiceLimits withConnectionAge(Duration age, Duration grace) {
    return new ServiceLimits(maxConcurrentEvaluations, maxQueuedEvaluations, maxConcurrentExports,
        maxConcurrentUploads, maxCallsPerConnection, maxRstFramesPerWindow, rstWindow, permitKeepAliveTime,
        permitKeepAliveWithoutCalls, age, grace, maxMessageBytes, watchStallTimeout, uploadIdleTimeout);
  }

  private static void atLeast(String name, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(name + " must be >= " + min + ", got " + value);
    }
  }

  private static void notNegative(String name, Duration value) {
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative, got " + value);
    }
  }
}
