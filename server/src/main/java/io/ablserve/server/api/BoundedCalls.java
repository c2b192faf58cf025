package io.ablserve.server.api;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Admission for one kind of expensive call: at most {@code concurrent} worked on at once, on threads of
 * its own, and {@code queued} waiting; past that a call is refused with RESOURCE_EXHAUSTED at once
 * rather than holding a gRPC thread and its memory while it waits (200 Evaluate calls at once took 246
 * threads and 10 GB). Daemon threads: the pool needs no shutdown.
 */
final class BoundedCalls {
  private final String refusal;
  private final String name;
  private final String flags;
  private final ThreadPoolExecutor executor;

  /** {@code name} names the threads and the refusal, {@code flags} the settings of the limits. */
  BoundedCalls(String name, int concurrent, int queued, String flags) {
    this.name = name;
    this.flags = flags;
    this.refusal =
        "too many " + name + " calls: " + concurrent + " run at once and " + queued
            + " may wait (" + flags + "); retry later";
    BlockingQueue<Runnable> queue =
        queued == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queued);
    this.executor =
        new ThreadPoolExecutor(
            concurrent, concurrent, 30, TimeUnit.SECONDS, queue,
            new ThreadFactoryBuilder()
                .setDaemon(true)
                .setNameFormat("ablserve-" + name.toLowerCase(java.util.Locale.ROOT) + "-%d")
                .build(),
            new ThreadPoolExecutor.AbortPolicy());
    executor.allowCoreThreadTimeOut(true);
  }

  /** Runs {@code work} when a slot is free; false (and nothing run) when the queue is full. */
  boolean offer(Runnable work) {
    try {
      executor.execute(work);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /**
   * The status of a refused call, naming the limits; its ErrorInfo's reason is TOO_MANY_ and the calls'
   * name ({@code TOO_MANY_EVALUATE_CALLS}), and it carries a RetryInfo.
   */
  StatusRuntimeException refusal() {
    return ErrorDetails.quotaExceeded(
        "TOO_MANY_" + name.toUpperCase(java.util.Locale.ROOT) + "_CALLS", refusal, flags, true);
  }
}
