package io.ablserve.server.session;

/**
 * The process training a session died, or stopped answering, after it had started: the session was not at
 * fault as far as anyone can tell, so it ends INTERRUPTED and goes on from its checkpoint on a fresh worker
 * (per {@code --resume-interrupted}), as after a server crash.
 */
public final class WorkerLostException extends RuntimeException {
  public WorkerLostException(String message) {
    super(message);
  }
}
