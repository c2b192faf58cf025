package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.AbstractIdleService;
import jakarta.inject.Inject;

/**
 * The sessions as a service: starting restores those a previous process left (queued again, or
 * INTERRUPTED) and starts the trainers; stopping interrupts the running sessions and waits for their
 * runs to notice. Needs the store's writer running, and the gRPC port waits for it.
 */
public final class SessionManagerService extends AbstractIdleService {
  private final SessionManager sessions;

  @Inject
  SessionManagerService(SessionManager sessions) {
    this.sessions = requireNonNull(sessions, "sessions");
  }

  @Override
  protected void startUp() {
    sessions.start();
  }

  @Override
  protected void shutDown() throws InterruptedException {
    sessions.close();
  }

  @Override
  protected String serviceName() {
    return "sessions";
  }
}
