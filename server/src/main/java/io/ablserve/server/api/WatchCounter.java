package io.ablserve.server.api;

import com.google.inject.Singleton;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The WatchSession streams open now (from the call's start until the transport closes it, stalled or
 * not), the events handed to them so far and the streams dropped for stalling, for the metrics.
 */
@Singleton
public final class WatchCounter {
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong eventsSent = new AtomicLong();
  private final AtomicLong stallDrops = new AtomicLong();

  void opened() {
    open.incrementAndGet();
  }

  void closed() {
    open.decrementAndGet();
  }

  void sent() {
    eventsSent.incrementAndGet();
  }

  void droppedStalled() {
    stallDrops.incrementAndGet();
  }

  /** Streams ended because their client did not read for the stall timeout. */
  public long stallDrops() {
    return stallDrops.get();
  }

  public int open() {
    return open.get();
  }

  /**
   * Events handed to gRPC on all streams since the start. A stream only gets events while its client
   * keeps up (flow control), so for a client that stops reading this stops growing.
   */
  public long eventsSent() {
    return eventsSent.get();
  }
}
