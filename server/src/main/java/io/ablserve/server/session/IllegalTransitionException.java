package io.ablserve.server.session;

/** A request the session's current state does not allow, such as cancelling a finished session. */
public final class IllegalTransitionException extends RuntimeException {
  public IllegalTransitionException(String message) {
    super(message);
  }
}
