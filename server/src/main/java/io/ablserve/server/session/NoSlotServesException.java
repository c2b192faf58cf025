package io.ablserve.server.session;

/**
 * A session's device request that none of this server's slots serves: INVALID_ARGUMENT at CreateSession
 * and ResumeSession; after a restart, why the session could not be queued again.
 */
public final class NoSlotServesException extends IllegalArgumentException {
  NoSlotServesException(String message) {
    super(message);
  }
}
