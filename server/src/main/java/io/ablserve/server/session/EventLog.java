package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Timestamp;
import io.ablserve.server.store.SessionStore;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One session's append-only telemetry: gap-free sequence numbers from 0, stored through the {@link
 * SessionStore}. The log is the only buffer: readers keep their own cursor and re-read after a
 * subscriber signal, so a slow reader costs no memory and never holds up the writer.
 *
 * <p>The last {@link #TAIL} appended events are also kept in memory, so live watchers, who read what was
 * just appended, are served without the store: fifty of them no longer make fifty database reads per
 * event, each parsing the event again and waiting on the database lock the training thread writes under.
 * Readers further behind (a replay from sequence 0, a stalled client) read the store.
 */
public final class EventLog {
  /** How many of the latest events stay in memory: about a minute of step events at every step. */
  static final int TAIL = 1024;

  private final String sessionId;
  private final SessionStore store;
  private final Clock clock;
  private final List<Runnable> subscribers = new CopyOnWriteArrayList<>();
  private final SessionEvent[] tail = new SessionEvent[TAIL]; // sequence s at s % TAIL; guarded by this
  private final long firstAppended; // this object's first append; earlier events are only in the store
  private long size; // guarded by this
  private SessionEvent unstoredEnd; // guarded by this
  private volatile boolean finished;

  EventLog(String sessionId, SessionStore store, Clock clock) {
    this(sessionId, store, clock, 0, false);
  }

  /**
   * The log of a session stored earlier, holding {@code size} events; appends go on from there.
   * {@code finished} when its last event is terminal and nothing will be appended.
   */
  EventLog(String sessionId, SessionStore store, Clock clock, long size, boolean finished) {
    this.sessionId = requireNonNull(sessionId, "sessionId");
    this.store = requireNonNull(store, "store");
    this.clock = requireNonNull(clock, "clock");
    this.size = size;
    this.firstAppended = size;
    this.finished = finished;
  }

  /**
   * Stamps {@code event} with the next sequence number and the time, stores it and signals subscribers.
   * {@code last} marks the session's terminal event; nothing may follow it. A StoreException leaves the
   * log as it was.
   */
  void append(SessionEvent.Builder event, boolean last) {
    append(event, last, null);
  }

  /**
   * As {@link #append(SessionEvent.Builder, boolean)}, for a state change: {@code state}, the session
   * after it, is stored with the event in one step (see {@link SessionStore#putWithEvent}).
   */
  void append(SessionEvent.Builder event, boolean last, Session state) {
    synchronized (this) {
      if (finished) {
        throw new IllegalStateException("event log of session '" + sessionId + "' is closed");
      }
      SessionEvent stored = event.setSequence(size).setTime(timestamp(clock.instant())).build();
      if (state == null) {
        store.appendEvent(sessionId, stored);
      } else {
        store.putWithEvent(state, stored);
      }
      add(stored, last);
    }
    signalSubscribers();
  }

  /**
   * Ends the log with the terminal {@code event} kept in memory only, for a store that cannot be written:
   * watchers see the end now, and {@link #storeEnd} stores it once the store can be written.
   */
  void endUnstored(SessionEvent.Builder event) {
    synchronized (this) {
      if (finished) {
        throw new IllegalStateException("event log of session '" + sessionId + "' is closed");
      }
      unstoredEnd = event.setSequence(size).setTime(timestamp(clock.instant())).build();
      add(unstoredEnd, true);
    }
    signalSubscribers();
  }

  /** True while the terminal event of {@link #endUnstored} is not stored yet. */
  synchronized boolean hasUnstoredEnd() {
    return unstoredEnd != null;
  }

  /** Stores the event {@link #endUnstored} kept, with the session's {@code state}; StoreException if not. */
  synchronized void storeEnd(Session state) {
    if (unstoredEnd != null) {
      store.putWithEvent(state, unstoredEnd);
      unstoredEnd = null;
    }
  }

  private void add(SessionEvent stored, boolean last) {
    tail[(int) (size % TAIL)] = stored;
    size++;
    finished = last;
  }

  private void signalSubscribers() {
    for (Runnable subscriber : subscribers) {
      subscriber.run();
    }
  }

  /** Up to {@code maxCount} events from {@code fromSequence}, in order. */
  public List<SessionEvent> read(long fromSequence, int maxCount) {
    synchronized (this) {
      // An end kept in memory only is not in the store: it is read from the tail, which holds it.
      if (fromSequence >= Math.max(firstAppended, size - TAIL)
          || (unstoredEnd != null && fromSequence == size - 1)) {
        int count = (int) Math.max(0, Math.min(maxCount, size - fromSequence));
        List<SessionEvent> events = new ArrayList<>(count);
        for (long sequence = fromSequence; sequence < fromSequence + count; sequence++) {
          events.add(tail[(int) (sequence % TAIL)]);
        }
        return events;
      }
    }
    return store.readEvents(sessionId, fromSequence, maxCount);
  }

  /** The number of events appended so far, which is also the next sequence number. */
  public synchronized long size() {
    return size;
  }

  /** True once the terminal event is in the log; no event will follow. */
  public boolean isFinished() {
    return finished;
  }

  /**
   * True when {@code event} is the log's final event. A resumed session's log holds an INTERRUPTED
   * event followed by the new run's, so a terminal state alone does not end a watch.
   */
  public boolean isLast(SessionEvent event) {
    return isTerminal(event) && finished && event.getSequence() == size() - 1;
  }

  /**
   * Runs {@code onAppend} after every append, on the appending thread (the training thread): it must only
   * schedule work, never do it.
   */
  public void subscribe(Runnable onAppend) {
    subscribers.add(requireNonNull(onAppend, "onAppend"));
  }

  public void unsubscribe(Runnable onAppend) {
    subscribers.remove(onAppend);
  }

  /** True for a session's terminal state event, the last one its log will hold. */
  public static boolean isTerminal(SessionEvent event) {
    return event.hasState() && TelemetryEvents.isTerminal(event.getState().getState());
  }

  static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }

  static Instant instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }
}
