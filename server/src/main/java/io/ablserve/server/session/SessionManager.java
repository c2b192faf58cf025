package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.store.SessionStore;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sessions of this server: creates them from requests, queues them for the trainer, answers for their
 * state and cancels them. Errors are exceptions the API maps to status codes: IllegalArgumentException
 * (bad config), {@link SessionNotFoundException}, {@link IllegalTransitionException}, {@link
 * QueueFullException}, {@link ShuttingDownException}.
 */
public final class SessionManager implements AutoCloseable {
  private final SessionConfigResolver resolver;
  private final SessionStore store;
  private final Clock clock;
  private final TrainingScheduler scheduler;
  private final Map<String, TrainingSession> live = new ConcurrentHashMap<>();

  public SessionManager(
      SessionConfigResolver resolver,
      SessionStore store,
      Trainer trainer,
      int maxQueuedSessions,
      Clock clock) {
    this.resolver = requireNonNull(resolver, "resolver");
    this.store = requireNonNull(store, "store");
    this.clock = requireNonNull(clock, "clock");
    this.scheduler = new TrainingScheduler(requireNonNull(trainer, "trainer"), maxQueuedSessions);
  }

  /** Starts the training thread. */
  public void start() {
    scheduler.start();
  }

  /**
   * Validates {@code config}, resolves its defaults and queues a new session. IOException when a
   * configured dataset cannot be read.
   */
  public Session create(SessionConfig config) throws IOException {
    ResolvedSession resolved = resolver.resolve(config);
    TrainingSession session =
        scheduler.submit(
            () -> {
              TrainingSession created =
                  new TrainingSession(UUID.randomUUID().toString(), resolved, store, clock);
              live.put(created.id(), created);
              return created;
            });
    return snapshot(session);
  }

  public Session get(String sessionId) {
    TrainingSession session = live.get(sessionId);
    if (session != null) {
      return snapshot(session);
    }
    return store.find(sessionId).orElseThrow(() -> new SessionNotFoundException(sessionId));
  }

  /** All sessions, newest first. */
  public List<Session> list() {
    return store.list().stream()
        .map(stored -> {
          TrainingSession session = live.get(stored.getId());
          return session == null ? stored : snapshot(session);
        })
        .toList();
  }

  /** Cancels a QUEUED or RUNNING session and returns its state right after. */
  public Session cancel(String sessionId) {
    TrainingSession session = live.get(sessionId);
    if (session == null) {
      get(sessionId); // NOT_FOUND, or a stored session that finished before this process started
      throw new IllegalTransitionException(
          "session '" + sessionId + "' has finished; only QUEUED or RUNNING sessions can be cancelled");
    }
    scheduler.cancel(session);
    return snapshot(session);
  }

  /** The event log of a session of this process. */
  public EventLog events(String sessionId) {
    TrainingSession session = live.get(sessionId);
    if (session == null) {
      throw new SessionNotFoundException(sessionId);
    }
    return session.events();
  }

  private Session snapshot(TrainingSession session) {
    return session.snapshot(scheduler.positionOf(session));
  }

  /** Stops the trainer; running and queued sessions end INTERRUPTED. */
  @Override
  public void close() throws InterruptedException {
    scheduler.close(Duration.ofSeconds(30));
  }
}
