package io.ablserve.server.data;

import static java.util.Objects.requireNonNull;

/** A dataset by its server-side name, optionally cut to its first samples. Limits {@code <= 0} mean all. */
public record DatasetRef(String name, int trainLimit, int testLimit) {
  public DatasetRef {
    requireNonNull(name, "name");
    if (trainLimit < 0) {
      throw new IllegalArgumentException("dataset.train_limit must be >= 0, got " + trainLimit);
    }
    if (testLimit < 0) {
      throw new IllegalArgumentException("dataset.test_limit must be >= 0, got " + testLimit);
    }
  }
}
