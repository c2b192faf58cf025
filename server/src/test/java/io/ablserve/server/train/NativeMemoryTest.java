package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NativeMemoryTest {
  private static long residentKb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D+", ""));
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }

  @Test
  void trim_givesFreedHeapMemoryBackToTheSystem() throws Exception {
    assumeTrue(Platform.isLinux() && Files.exists(Path.of("/proc/self/status")), "Linux with glibc only");
    // 256 MiB in 32 KiB blocks, below any mmap threshold, so they come from malloc's arenas; all touched,
    // then all freed but the last, which keeps the free memory from being the heap's top (which free()
    // itself may give back): as a batch's buffers sit among longer-lived allocations.
    int size = 32 * 1024;
    long[] blocks = new long[8192];
    for (int i = 0; i < blocks.length; i++) {
      blocks[i] = Native.malloc(size);
      new Pointer(blocks[i]).setMemory(0, size, (byte) 1);
    }
    for (int i = 0; i < blocks.length - 1; i++) {
      Native.free(blocks[i]);
    }
    long before = residentKb();

    assertThat(NativeMemory.trim()).isTrue();

    assertThat(before - residentKb()).as("KiB returned").isGreaterThan(128 * 1024);
    Native.free(blocks[blocks.length - 1]);
  }
}
