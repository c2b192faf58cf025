package io.ablserve.server.data;

import java.io.IOException;

/** A dataset file that is truncated, malformed or not in the format its reader expects. */
public final class DatasetFormatException extends IOException {
  public DatasetFormatException(String message) {
    super(message);
  }
}
