package io.ablserve.server.store;

/** The store's medium failed (a database error, a full disk); nothing the caller did wrong. */
public final class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
