package io.ablserve.server.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How the API pages its lists and how long it keeps finished sessions and unused uploads. {@link #DEFAULTS} is the one place
 * the defaults live; {@code Main}'s flags override them field by field.
 *
 * @param defaultPageSize items a List call returns when its request leaves page_size at 0, in [1,
 *     maxPageSize]. Default 100.
 * @param maxPageSize the most items one List call returns, whatever page_size asks, >= 1. Default 1000.
 * @param retainFinished how long a session is kept after it SUCCEEDED, FAILED or was CANCELLED, counted
 *     from its finished_at; older ones are deleted (record, events, checkpoints, saved model) by a
 *     periodic sweep. INTERRUPTED sessions are kept: they wait to be resumed. The same sweep deletes
 *     uploaded datasets created longer ago that no remaining session, in any state, trains on. {@link
 *     Duration#ZERO} keeps every session and upload for ever. Default zero.
 * @param retentionSweepInterval how often that sweep runs, >= 1 ms. Default 1 h.
 */
public record ApiPolicy(
    int defaultPageSize, int maxPageSize, Duration retainFinished, Duration retentionSweepInterval) {

  public static final ApiPolicy DEFAULTS =
      new ApiPolicy(100, 1000, Duration.ZERO, Duration.ofHours(1));

  public ApiPolicy {
    requireNonNull(retainFinished, "retainFinished");
    requireNonNull(retentionSweepInterval, "retentionSweepInterval");
    if (maxPageSize < 1) {
      throw new IllegalArgumentException("max page size must be >= 1, got " + maxPageSize);
    }
    if (defaultPageSize < 1 || defaultPageSize > maxPageSize) {
      throw new IllegalArgumentException(
          "default page size must be in [1, " + maxPageSize + "] (the max page size), got "
              + defaultPageSize);
    }
    if (retainFinished.isNegative()) {
      throw new IllegalArgumentException(
          "finished-session retention must not be negative, got " + retainFinished);
    }
    if (retentionSweepInterval.toMillis() < 1) {
      throw new IllegalArgumentException(
          "retention sweep interval must be >= 1 ms, got " + retentionSweepInterval);
    }
  }

  /** True when finished sessions are deleted after {@link #retainFinished}. */
  public boolean expiresFinished() {
    return !retainFinished.isZero();
  }

  public ApiPolicy withPageSizes(int defaultSize, int maxSize) {
    return new ApiPolicy(defaultSize, maxSize, retainFinished, retentionSweepInterval);
  }

  public ApiPolicy withRetention(Duration retain, Duration sweepInterval) {
    return new ApiPolicy(defaultPageSize, maxPageSize, retain, sweepInterval);
  }
}
