package io.ablserve.server.session;

/** The server's data directory cannot be written, so work that must write there is refused. */
public final class DataDirNotWritableException extends RuntimeException {
  public DataDirNotWritableException(String message) {
    super(message);
  }
}
