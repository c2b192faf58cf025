package io.ablserve.server.session;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The memory of the process training on a slot: its resident set, and on a GPU the device's memory in use
 * (every process's, as CUDA reports it) and its total; bytes, 0 where unknown or not on a GPU.
 */
public record SlotMemory(long residentBytes, long gpuUsedBytes, long gpuTotalBytes) {
  private static final Logger logger = Logger.getLogger(SlotMemory.class.getName());
  private static final Path STATUS = Path.of("/proc/self/status");

  public static final SlotMemory NONE = new SlotMemory(0, 0, 0);

  /** This process's memory now, training on {@code device}. */
  public static SlotMemory sample(Device device) {
    long usedGpu = 0;
    long totalGpu = 0;
    if (device.isGpu()) {
      try {
        MemoryUsage gpu = CudaUtils.getGpuMemory(device);
        usedGpu = gpu.getCommitted();
        totalGpu = gpu.getMax();
      } catch (RuntimeException | LinkageError e) { // no CUDA runtime library found: unknown
        logger.log(Level.FINE, "no GPU memory figures for " + device, e);
      }
    }
    return new SlotMemory(processResidentBytes(), usedGpu, totalGpu);
  }

  /** This process's resident set size (VmRSS), bytes; 0 without procfs. */
  public static long processResidentBytes() {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith("VmRSS:")) { // "VmRSS:	  123456 kB"
          return Long.parseLong(line.substring("VmRSS:".length()).replace("kB", "").trim()) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }
}
