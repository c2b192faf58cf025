package io.ablserve.server.session;

/** The store cannot be written now (a full disk, say): nothing new is taken until it can. */
public final class StoreUnavailableException extends RuntimeException {
  public StoreUnavailableException(String message) {
    super(message);
  }
}
