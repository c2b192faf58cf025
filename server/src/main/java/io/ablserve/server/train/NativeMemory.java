package io.ablserve.server.train;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Gives the C heap's free memory back to the operating system with glibc's {@code malloc_trim}, called
 * through JNA (DJL's own dependency). The launcher keeps freed memory in glibc's arenas for speed
 * ({@code MALLOC_TRIM_THRESHOLD_} of 4 GiB in {@code bin/env.sh}: otherwise activation buffers are mapped
 * and unmapped every batch), and without a trim that memory stays resident at its high-water mark, which
 * grows in steps as new tensor shapes come and go: +10% RSS over a 20-epoch session (bench/RESULTS.md,
 * memory). Trimming between epochs, when a batch's buffers are not in use, keeps the arenas' caching within
 * an epoch and the process flat across them.
 */
public final class NativeMemory {
  private static final Logger logger = Logger.getLogger(NativeMemory.class.getName());

  private interface CLibrary extends Library {
    int malloc_trim(long pad);
  }

  private static final CLibrary LIBC = load();

  private NativeMemory() {}

  private static CLibrary load() {
    if (!Platform.isLinux()) {
      return null;
    }
    try {
      return Native.load("c", CLibrary.class);
    } catch (UnsatisfiedLinkError e) {
      logger.log(Level.INFO, "no C library to trim the native heap with: {0}", e.getMessage());
      return null;
    }
  }

  /**
   * Returns free C-heap memory to the system; true when some was returned. False where the C library has
   * no {@code malloc_trim} (not glibc) and on other systems.
   */
  public static boolean trim() {
    if (LIBC == null) {
      return false;
    }
    try {
      return LIBC.malloc_trim(0) == 1;
    } catch (UnsatisfiedLinkError e) {
      return false; // a C library without malloc_trim, e.g. musl
    }
  }
}
