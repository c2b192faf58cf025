package io.ablserve.server.data;

import java.io.IOException;

/** A dataset whose declared sizes exceed a budget of {@link DatasetLimits}; refused before it is read. */
public final class DatasetTooLargeException extends IOException {
  public DatasetTooLargeException(String message) {
    super(message);
  }
}
