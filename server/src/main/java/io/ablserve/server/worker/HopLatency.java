package io.ablserve.server.worker;

import com.google.inject.Provider;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Arrays;

/**
 * How long workers' events take from the worker's send to the control plane's hand-over to the session:
 * a count and sum over all events, and the last {@value #WINDOW} latencies for quantiles. Recorded on
 * the slots' threads, read at scrape time.
 */
public final class HopLatency {
  public static final int WINDOW = 1024;

  private final long[] recent = new long[WINDOW]; // nanoseconds, a ring; guarded by this
  private long count; // guarded by this
  private long sumNanos; // guarded by this

  /** The hop latency of the server's {@link WorkerPool}, for the metrics module's optional binding. */
  public static final class OfPool implements Provider<HopLatency> {
    private final WorkerPool pool;

    @Inject
    OfPool(WorkerPool pool) {
      this.pool = pool;
    }

    @Override
    public HopLatency get() {
      return pool.hopLatency();
    }
  }

  /** Records one event's hop; a negative one (clocks apart) counts as zero. */
  synchronized void record(Duration hop) {
    long nanos = Math.max(0, hop.toNanos());
    recent[(int) (count % WINDOW)] = nanos;
    count++;
    sumNanos += nanos;
  }

  /** Events recorded. */
  public synchronized long count() {
    return count;
  }

  /** Their hops summed, in seconds. */
  public synchronized double sumSeconds() {
    return sumNanos / 1e9;
  }

  /** The {@code quantile} (0..1) of the last {@value #WINDOW} hops, in seconds; NaN before any. */
  public double quantileSeconds(double quantile) {
    long[] window;
    synchronized (this) {
      window = Arrays.copyOf(recent, (int) Math.min(count, WINDOW));
    }
    if (window.length == 0) {
      return Double.NaN;
    }
    Arrays.sort(window);
    int index = (int) Math.ceil(quantile * window.length) - 1;
    return window[Math.max(0, Math.min(window.length - 1, index))] / 1e9;
  }
}
