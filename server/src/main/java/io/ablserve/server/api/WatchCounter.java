package io.ablserve.server.api;

import com.google.inject.Singleton;
import java.util.concurrent.atomic.AtomicInteger;

/** The number of WatchSession streams open now, for the metrics. */
@Singleton
public final class WatchCounter {
  private final AtomicInteger open = new AtomicInteger();

  void opened() {
    open.incrementAndGet();
  }

  void closed() {
    open.decrementAndGet();
  }

  public int open() {
    return open.get();
  }
}
