package io.ablserve.server.session;

/** The server is stopping and takes no new sessions. */
public final class ShuttingDownException extends RuntimeException {
  public ShuttingDownException() {
    super("the server is shutting down and takes no new sessions");
  }
}
