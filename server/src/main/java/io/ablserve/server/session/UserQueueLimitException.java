package io.ablserve.server.session;

/** A user already has as many sessions waiting as the server allows one user. */
public final class UserQueueLimitException extends RuntimeException {
  public UserQueueLimitException(String user, int limit) {
    super("user '" + user + "' already has " + limit + " sessions queued, the most one user may queue"
        + " on this server (--max-queued-per-user " + limit + "); wait until one starts or cancel one");
  }
}
