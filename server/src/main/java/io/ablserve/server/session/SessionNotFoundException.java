package io.ablserve.server.session;

/** No session has the requested id. */
public final class SessionNotFoundException extends RuntimeException {
  public SessionNotFoundException(String sessionId) {
    super("session " + UserText.quote(sessionId) + " not found");
  }
}
