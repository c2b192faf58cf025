package io.ablserve.server.data;

import java.lang.management.ManagementFactory;

/**
 * Heap bytes the calling thread has allocated so far, from HotSpot's per-thread counter: the difference
 * around a call shows whether it allocated what a file declared or only what it held.
 */
public final class AllocatedBytes {
  private AllocatedBytes() {}

  public static long now() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }
}
