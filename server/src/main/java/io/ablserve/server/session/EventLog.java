package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Timestamp;
import io.ablserve.server.store.SessionStore;
import io.ablserve.server.store.StoreException;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One session's append-only telemetry: gap-free sequence numbers from 0, stored through the {@link
 * SessionStore}. The log is the only buffer: readers keep their own cursor and re-read after a
 * subscriber signal, so a slow reader costs no memory and never holds up the writer.
 *
 * <p>Readers see an event once it is stored: training telemetry is queued for the store's writer, which
 * commits it in batches, and joins the log when its batch commits; a state change is waited for, so a
 * session is never seen in a state the store does not hold. Waiting happens outside this object's lock,
 * which the writer's completions take.
 *
 * <p>The last {@link #TAIL} stored events are also kept in memory, so live watchers, who read what was
 * just appended, are served without the store: fifty of them no longer make fifty database reads per
 * event, each parsing the event again and waiting on the database lock. Readers further behind (a replay
 * from sequence 0, a stalled client) read the store.
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
  private final Object storingEnd = new Object(); // serialises storeEnd, which waits for the writer
  private long size; // events stored; guarded by this
  private long next; // the next sequence to give out, >= size while writes are queued; guarded by this
  private long generation; // bumped by a failed write: writes queued after it are dropped; guarded by this
  private StoreException unreported; // a queued write's failure, thrown by the next append; guarded by this
  private boolean lastQueued; // guarded by this
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
    this.next = size;
    this.firstAppended = size;
    this.finished = finished;
    this.lastQueued = finished;
  }

  /**
   * Stamps {@code event} with the next sequence number and the time and queues it for the store; it
   * joins the log, and subscribers are signalled, once stored. Returns at once. {@code last} marks the
   * session's terminal event; nothing may follow it. A StoreException of an earlier queued write is
   * thrown here, with the log as it was before that write.
   */
  void append(SessionEvent.Builder event, boolean last) {
    boolean storedAlready;
    synchronized (this) {
      SessionEvent stored = stamp(event, last);
      long queuedIn = generation;
      long before = size;
      store.appendEventLater(
          sessionId, stored, failure -> written(stored, last, queuedIn, failure, false));
      storedAlready = size > before; // a store that writes on the caller's thread
      if (unreported != null) {
        throw takeUnreported(); // it failed on this thread, or an earlier write failed meanwhile
      }
    }
    if (storedAlready) {
      signalSubscribers();
    }
  }

  /** As {@link #append(SessionEvent.Builder, boolean, Session, Runnable)}, with nothing to run once stored. */
  void append(SessionEvent.Builder event, boolean last, Session state) {
    append(event, last, state, () -> {});
  }

  /**
   * As {@link #append(SessionEvent.Builder, boolean)}, for a state change: {@code state}, the session
   * after it, is stored with the event in one step (see {@link SessionStore#putWithEvent}), and this
   * waits until it is. {@code stored} runs once the store has it and before the event joins the log, so a
   * watcher that sees the event and then asks for the session sees the state the event announced (it read
   * RUNNING after SUCCEEDED on a busy machine). A StoreException leaves the log as it was.
   */
  void append(SessionEvent.Builder event, boolean last, Session state, Runnable stored) {
    CompletableFuture<Void> outcome = new CompletableFuture<>();
    synchronized (this) {
      SessionEvent stamped = stamp(event, last);
      long queuedIn = generation;
      store.putWithEventLater(state, stamped, failure -> {
        if (failure == null) {
          stored.run();
        }
        written(stamped, last, queuedIn, failure, true);
        if (failure == null) {
          outcome.complete(null);
        } else {
          outcome.completeExceptionally(failure);
        }
      });
    }
    await(outcome);
    signalSubscribers();
  }

  private SessionEvent stamp(SessionEvent.Builder event, boolean last) {
    if (lastQueued) {
      throw new IllegalStateException("event log of session '" + sessionId + "' is closed");
    }
    if (unreported != null) {
      throw takeUnreported();
    }
    SessionEvent stored = event.setSequence(next).setTime(timestamp(clock.instant())).build();
    next++;
    lastQueued = last;
    return stored;
  }

  private StoreException takeUnreported() {
    StoreException failure = unreported;
    unreported = null;
    return failure;
  }

  /**
   * The store's outcome for {@code stored}, on the thread that wrote it; {@code awaited} when its appender
   * waits for it, and so learns a failure itself.
   */
  private void written(
      SessionEvent stored, boolean last, long queuedIn, RuntimeException failure, boolean awaited) {
    synchronized (this) {
      if (queuedIn != generation) {
        return; // queued after a write that failed: its sequence is given out again
      }
      if (failure == null) {
        add(stored, last);
      } else {
        generation++;
        next = size;
        lastQueued = false;
        if (!awaited && failure instanceof StoreException e) {
          unreported = e; // telemetry: nobody waits for it; the next append learns
        }
      }
      notifyAll();
    }
    if (failure == null && !Thread.holdsLock(this)) {
      signalSubscribers();
    }
  }

  private static void await(CompletableFuture<Void> outcome) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          outcome.get();
          return;
        } catch (InterruptedException e) {
          interrupted = true; // the write is queued: its outcome decides the session's state
        } catch (ExecutionException e) {
          if (e.getCause() instanceof RuntimeException r) {
            throw r;
          }
          throw new IllegalStateException(e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Ends the log with the terminal {@code event} kept in memory only, for a store that cannot be written:
   * watchers see the end now, and {@link #storeEnd} stores it once the store can be written. Waits for
   * the writes queued before it, so it follows them.
   */
  void endUnstored(SessionEvent.Builder event) {
    synchronized (this) {
      if (lastQueued) {
        throw new IllegalStateException("event log of session '" + sessionId + "' is closed");
      }
      boolean interrupted = false;
      while (size != next) {
        try {
          wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      unreported = null; // the end says what became of the session
      unstoredEnd = event.setSequence(size).setTime(timestamp(clock.instant())).build();
      next = size + 1;
      lastQueued = true;
      add(unstoredEnd, true);
    }
    signalSubscribers();
  }

  /** True while the terminal event of {@link #endUnstored} is not stored yet. */
  synchronized boolean hasUnstoredEnd() {
    return unstoredEnd != null;
  }

  /** Stores the event {@link #endUnstored} kept, with the session's {@code state}; StoreException if not. */
  void storeEnd(Session state) {
    synchronized (storingEnd) {
      SessionEvent end;
      synchronized (this) {
        end = unstoredEnd;
      }
      if (end != null) {
        store.putWithEvent(state, end); // not under this lock: the writer's completions take it
        synchronized (this) {
          unstoredEnd = null;
        }
      }
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

  /** The number of events stored so far: what readers see. */
  public synchronized long size() {
    return size;
  }

  /** The number of events appended so far, stored or queued, which is also the next sequence number. */
  synchronized long appended() {
    return next;
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
   * Runs {@code onAppend} after events are stored, on the thread that stored them (the store's writer, or
   * the appending thread): it must only schedule work, never do it.
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
