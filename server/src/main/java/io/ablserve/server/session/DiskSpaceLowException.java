package io.ablserve.server.session;

/** The data directory's disk has less free space than the configured floor. */
public final class DiskSpaceLowException extends RuntimeException {
  public DiskSpaceLowException(String message) {
    super(message);
  }
}
