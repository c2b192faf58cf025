package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Refuses new work the disk cannot hold, up front rather than after a session's training is lost: while
 * the store cannot be written ({@link StoreUnavailableException}), while the data directory or the folders
 * the server writes into are not writable ({@link DataDirNotWritableException}), and when the data
 * directory's file system has less free space than the configured floor ({@link DiskSpaceLowException}).
 * Messages name no paths: clients see them.
 */
public final class StorageGuard {
  private final Path dataDir;
  private final long minFreeBytes;
  private final StoreHealth health;

  /** Guards {@code dataDir}, keeping {@code minFreeBytes} free (0: no floor). */
  public StorageGuard(Path dataDir, long minFreeBytes, StoreHealth health) {
    this.dataDir = requireNonNull(dataDir, "dataDir");
    this.minFreeBytes = minFreeBytes;
    this.health = requireNonNull(health, "health");
  }

  /**
   * Throws when new work ({@code what}: "new sessions", "uploads") that will write {@code bytes} more
   * should be refused.
   */
  void check(String what, long bytes) {
    health.lastError().ifPresent(error -> {
      throw new StoreUnavailableException(
          "the server cannot write its session store (" + shortly(error) + "); " + what
              + " are refused until it can; retry later");
    });
    for (Path dir : List.of(dataDir, dataDir.resolve("sessions"), dataDir.resolve("datasets"))) {
      if (Files.exists(dir) && !Files.isWritable(dir)) {
        throw new DataDirNotWritableException(
            "the server's data directory is not writable" + (dir.equals(dataDir) ? "" : " (its "
                + dataDir.relativize(dir) + "/ folder)") + "; " + what
                + " are refused until an operator makes it writable");
      }
    }
    if (minFreeBytes > 0) {
      long free = usableBytes();
      if (free - bytes < minFreeBytes) {
        String state =
            bytes > 0
                ? "an upload of " + size(bytes) + " would leave " + size(free - bytes)
                    + " free on the data directory's disk (" + size(free) + " now)"
                : "free space on the data directory's disk is " + size(free);
        throw new DiskSpaceLowException(
            state + ", below the floor of " + size(minFreeBytes) + " (--min-free-bytes); " + what
                + " are refused until space is freed");
      }
    }
  }

  private long usableBytes() {
    try {
      return Files.getFileStore(dataDir).getUsableSpace();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the free space of the data directory", e);
    }
  }

  private static String size(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB (%d bytes)", bytes / (1024.0 * 1024), bytes);
  }

  /** The store's error without the file's path: from SQLite's result code on, when it has one. */
  private static String shortly(String error) {
    int at = error.indexOf("[SQLITE_");
    return at < 0 ? error : error.substring(at);
  }
}
