package io.ablserve.bench;

import ai.djl.ndarray.NDManager;
import io.ablserve.server.session.SlotMemory;
import java.lang.management.ManagementFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;

/**
 * What this process holds: resident set size (Java heap, JVM internals, libtorch's tensors and glibc's
 * arenas alike), the JVM's own native memory by Native Memory Tracking when it is on, the Java heap in
 * use, and the NDArrays DJL's managers still hold.
 */
record ProcessMemory(
    long rssKb, long nmtCommittedKb, long heapUsedKb, long heapCommittedKb, int liveNdArrays) {
  private static final Pattern NMT_TOTAL = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB");

  static ProcessMemory sample() {
    return new ProcessMemory(
        readRssKb(), readNmtCommittedKb(), readHeapUsedKb(), readHeapCommittedKb(), countLiveNdArrays());
  }

  /** VmRSS of /proc/self/status, in KiB; -1 where there is no procfs. */
  static long readRssKb() {
    long bytes = SlotMemory.processResidentBytes();
    return bytes > 0 ? bytes / 1024 : -1;
  }

  /**
   * The JVM's committed native memory (NMT summary, as {@code jcmd PID VM.native_memory summary} prints
   * it), in KiB; -1 unless the JVM runs with {@code -XX:NativeMemoryTracking=summary}. It covers what the
   * JVM allocates, not libtorch's malloc calls: those show in RSS only.
   */
  static long readNmtCommittedKb() {
    try {
      Object out =
          ManagementFactory.getPlatformMBeanServer()
              .invoke(
                  new ObjectName("com.sun.management:type=DiagnosticCommand"),
                  "vmNativeMemory",
                  new Object[] {new String[] {"summary"}},
                  new String[] {String[].class.getName()});
      Matcher m = NMT_TOTAL.matcher(String.valueOf(out));
      return m.find() ? Long.parseLong(m.group(2)) : -1;
    } catch (Exception e) {
      return -1;
    }
  }

  static long readHeapUsedKb() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1024;
  }

  /** The Java heap the collector has committed (part of NMT's total), in KiB. */
  static long readHeapCommittedKb() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() / 1024;
  }

  /** NDArrays attached to any manager under DJL's system manager, sub-managers included. */
  static int countLiveNdArrays() {
    try (NDManager probe = NDManager.newBaseManager()) {
      return probe.getParentManager().getManagedArrays().size();
    }
  }
}
