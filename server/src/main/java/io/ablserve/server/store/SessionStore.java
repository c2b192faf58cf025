package io.ablserve.server.store;

import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import java.util.List;
import java.util.Optional;

/**
 * Where sessions and their event logs are kept, in their wire form. The session layer writes through it
 * on every change, so a durable implementation can replace {@link InMemorySessionStore} without touching
 * the API. Implementations are thread-safe.
 */
public interface SessionStore {

  /** Stores a new session or replaces the stored state of an existing one. */
  void put(Session session);

  Optional<Session> find(String sessionId);

  /** All sessions, newest first. */
  List<Session> list();

  /**
   * Appends to a session's event log. The caller assigns sequence numbers: the event's {@code sequence}
   * must equal the log's current size.
   */
  void appendEvent(String sessionId, SessionEvent event);

  /** Up to {@code maxCount} events from sequence {@code fromSequence}, in order; empty past the end. */
  List<SessionEvent> readEvents(String sessionId, long fromSequence, int maxCount);
}
