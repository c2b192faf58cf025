package io.ablserve.server.session;

import java.time.Instant;
import java.util.function.Predicate;

/** Uploaded datasets that the retention sweep deletes once they are old and no session uses them. */
@FunctionalInterface
public interface ExpiringUploads {
  /**
   * Deletes, with their files, the uploads created before {@code cutoff} that {@code inUse} (given an
   * upload's id, the name sessions train on it by) does not claim; returns how many it deleted.
   */
  int deleteUnusedCreatedBefore(Instant cutoff, Predicate<String> inUse);
}
