package io.ablserve.server.store;

import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where sessions and their event logs are kept, in their wire form. The session layer writes through it
 * on every change, so the durable {@link SqliteSessionStore} and the heap-only {@link
 * InMemorySessionStore} are interchangeable. Implementations are thread-safe; failures of the medium are
 * {@link StoreException}s.
 */
public interface SessionStore {

  /** Stores a new session or replaces the stored state of an existing one. */
  void put(Session session);

  Optional<Session> find(String sessionId);

  /** All sessions, newest first. */
  List<Session> list();

  /**
   * Up to {@code limit} sessions with a key below {@code beforeKey} ({@link Long#MAX_VALUE}: from the
   * newest), newest first, only {@code owner}'s when given.
   */
  List<Listed<Session>> listPage(Optional<String> owner, long beforeKey, int limit);

  /**
   * Deletes a session, its event log and the request ids that name it, in one step; false when there
   * was none.
   */
  boolean delete(String sessionId);

  /** The session that {@code owner}'s CreateSession call with {@code requestId} created, if any. */
  Optional<String> findRequest(String owner, String requestId);

  /**
   * Remembers that {@code owner}'s {@code requestId} creates {@code sessionId}, unless a session is
   * remembered for it already; returns the one remembered now. Forgotten when that session is deleted.
   */
  String rememberRequest(String owner, String requestId, String sessionId);

  /**
   * Appends to a session's event log. The caller assigns sequence numbers: the event's {@code sequence}
   * must equal the log's current size.
   */
  void appendEvent(String sessionId, SessionEvent event);

  /**
   * As {@link #appendEvent}, without waiting: {@code then} gets the outcome (null once stored, else the
   * failure) once the write is done, possibly on another thread, in the order appends were made. For
   * telemetry, which a durable store commits in batches. This default appends now, on the caller's thread.
   */
  default void appendEventLater(String sessionId, SessionEvent event, Consumer<RuntimeException> then) {
    RuntimeException failure = null;
    try {
      appendEvent(sessionId, event);
    } catch (RuntimeException e) {
      failure = e;
    }
    then.accept(failure);
  }

  /**
   * Stores a session's new state and appends {@code event}, the state change that led to it, in one
   * step: both are stored or neither, so a session's row never disagrees with the last state event of
   * its log. The event's {@code sequence} must equal the log's current size.
   */
  void putWithEvent(Session session, SessionEvent event);

  /**
   * As {@link #putWithEvent}, queued as {@link #appendEventLater} queues: in order with the appends, and
   * {@code then} gets the outcome. This default stores now, on the caller's thread.
   */
  default void putWithEventLater(
      Session session, SessionEvent event, Consumer<RuntimeException> then) {
    RuntimeException failure = null;
    try {
      putWithEvent(session, event);
    } catch (RuntimeException e) {
      failure = e;
    }
    then.accept(failure);
  }

  /**
   * Writes a little to prove the medium takes writes again after a {@link StoreException}; throws one
   * while it does not. Changes nothing a reader of sessions sees.
   */
  void probe();

  /**
   * Removes a session's training telemetry (every event but state changes) with a sequence in ({@code
   * afterSequence}, {@code beforeSequence}): the events of work a resumed session does again, which its
   * rerun logs anew. State changes stay, so the log still tells the session's history; the log's last
   * event, a state change, keeps its size. Sequences removed are not used again.
   */
  void removeSuperseded(String sessionId, long afterSequence, long beforeSequence);

  /**
   * Up to {@code maxCount} events from sequence {@code fromSequence}, in order of sequence, skipping those
   * {@link #removeSuperseded removed}; empty past the end.
   */
  List<SessionEvent> readEvents(String sessionId, long fromSequence, int maxCount);

  /**
   * The size of a session's event log (its last sequence + 1), which is also its next sequence number; 0
   * for no session.
   */
  long eventCount(String sessionId);
}
