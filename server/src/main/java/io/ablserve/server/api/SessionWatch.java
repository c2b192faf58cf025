package io.ablserve.server.api;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.session.EventLog;
import io.ablserve.v1.SessionEvent;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One WatchSession call: a cursor into the session's {@link EventLog} that sends while the client is
 * ready and resumes when it is ready again, in the manner of grpc-java's {@code HealthServiceImpl.watch}
 * and {@code manualflowcontrol}. The log is the only buffer, so a slow client costs no memory, and the
 * training thread only ever schedules a drain, never performs one.
 *
 * <p>A client that stays not ready for the stall timeout is dropped with RESOURCE_EXHAUSTED naming the
 * sequence to resume from. The {@link WatchCounter} counts the call from its start until the transport
 * closes it, so a stream whose last events still wait behind a client that does not read is counted too.
 */
final class SessionWatch {
  /** Follow the log until its terminal event. */
  static final long FOLLOW = Long.MAX_VALUE;

  private static final Logger logger = Logger.getLogger(SessionWatch.class.getName());
  private static final int READ_BATCH = 64;
  // A replay from the store takes turns with the live watchers on the shared executor.
  private static final int BATCHES_PER_DRAIN = 8;

  private final EventLog log;
  private final ServerCallStreamObserver<SessionEvent> observer;
  private final Executor executor;
  private final long endSequence;
  private final Runnable signal = this::signal;
  private final WatchCounter counter;
  private final ScheduledExecutorService timer;
  private final long stallTimeoutNanos;
  // Since when the client has not been ready, 0 while it is; set and cleared only by the running drain.
  private volatile long stalledSince;
  private final AtomicBoolean stallCheckScheduled = new AtomicBoolean();
  private final AtomicBoolean released = new AtomicBoolean();
  // Drains requested since the running one began; only the caller that moves it from 0 starts a drain,
  // so drains never overlap and signals are never lost.
  private final AtomicInteger pendingDrains = new AtomicInteger();
  private long cursor; // touched only by the one running drain
  private final AtomicBoolean done = new AtomicBoolean();

  private SessionWatch(
      EventLog log,
      ServerCallStreamObserver<SessionEvent> observer,
      Executor executor,
      WatchCounter counter,
      ScheduledExecutorService timer,
      Duration stallTimeout,
      long fromSequence,
      long endSequence) {
    this.log = log;
    this.timer = timer;
    this.stallTimeoutNanos = stallTimeout.toNanos();
    this.counter = counter;
    this.observer = observer;
    this.executor = executor;
    this.cursor = fromSequence;
    this.endSequence = endSequence;
  }

  /**
   * Streams {@code log} from {@code fromSequence} to {@code observer}: up to the terminal event when
   * {@code follow}, else up to the log's end now; a client not ready for {@code stallTimeout} is dropped,
   * checked on {@code timer}. Must be called from the RPC method itself.
   */
  static void start(
      EventLog log,
      ServerCallStreamObserver<SessionEvent> observer,
      Executor executor,
      WatchCounter counter,
      ScheduledExecutorService timer,
      Duration stallTimeout,
      long fromSequence,
      boolean follow) {
    requireNonNull(log, "log");
    requireNonNull(observer, "observer");
    requireNonNull(executor, "executor");
    requireNonNull(counter, "counter");
    requireNonNull(timer, "timer");
    requireNonNull(stallTimeout, "stallTimeout");
    SessionWatch watch =
        new SessionWatch(
            log, observer, executor, counter, timer, stallTimeout, fromSequence,
            follow ? FOLLOW : log.size());
    counter.opened();
    // Exactly one of these runs, once the transport is done with the call: cancelled (by the client, a
    // deadline or a lost connection), or closed after everything sent, the status included, went out.
    observer.setOnCancelHandler(() -> {
      watch.stop();
      watch.release();
    });
    observer.setOnCloseHandler(watch::release);
    observer.setOnReadyHandler(watch.signal);
    log.subscribe(watch.signal);
    watch.signal();
  }

  private void signal() {
    if (pendingDrains.getAndIncrement() == 0) {
      executor.execute(this::drain);
    }
  }

  private void drain() {
    int missed = 1;
    do {
      try {
        if (!drainOnce()) {
          // More to send: yield to the other watchers sharing the executor and go on after them. The
          // count is left as it is, so no second drain starts meanwhile and no signal is lost.
          executor.execute(this::drain);
          return;
        }
      } catch (RuntimeException e) {
        logger.log(Level.WARNING, "watch stream failed", e);
        stop();
        observer.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
      }
      missed = pendingDrains.addAndGet(-missed);
    } while (missed != 0);
  }

  /**
   * Sends until the client is not ready, the log has nothing new or {@link #BATCHES_PER_DRAIN} batches
   * went out; false in the last case, when there may be more to send at once.
   */
  private boolean drainOnce() {
    for (int batches = 0; batches < BATCHES_PER_DRAIN; batches++) {
      if (done.get()) {
        return true;
      }
      if (!observer.isReady()) {
        stalled();
        return true;
      }
      stalledSince = 0;
      boolean finished = log.isFinished(); // read before the events, so a terminal one is not missed
      int max = (int) Math.min(READ_BATCH, endSequence - cursor);
      List<SessionEvent> batch = max <= 0 ? List.of() : log.read(cursor, max);
      if (batch.isEmpty()) {
        if (finished || endSequence != FOLLOW) {
          complete();
        }
        return true; // following: the next append signals
      }
      for (SessionEvent event : batch) {
        if (!observer.isReady()) {
          stalled();
          return true; // the ready handler signals
        }
        observer.onNext(event);
        counter.sent();
        cursor = event.getSequence() + 1;
        if (log.isLast(event)) {
          complete();
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The client is not ready: drops the stream once that has lasted the stall timeout, else makes sure a
   * check comes when it would have. Only the running drain calls this.
   */
  private void stalled() {
    long now = System.nanoTime();
    if (stalledSince == 0) {
      stalledSince = now;
    }
    long stalledFor = now - stalledSince;
    if (stalledFor >= stallTimeoutNanos) {
      stop();
      counter.droppedStalled();
      observer.onError(
          Status.RESOURCE_EXHAUSTED
              .withDescription(
                  "watch stalled for " + TimeUnit.NANOSECONDS.toSeconds(stalledFor)
                      + " s: the client did not read; resume with from_sequence=" + cursor)
              .asRuntimeException());
      return;
    }
    if (stallCheckScheduled.compareAndSet(false, true)) {
      timer.schedule(
          () -> {
            stallCheckScheduled.set(false);
            signal(); // the drain looks again: still not ready and long enough, it drops the stream
          },
          stallTimeoutNanos - stalledFor,
          TimeUnit.NANOSECONDS);
    }
  }

  private void complete() {
    stop();
    observer.onCompleted();
  }

  private void stop() {
    if (done.compareAndSet(false, true)) {
      log.unsubscribe(signal);
    }
  }

  private void release() {
    if (released.compareAndSet(false, true)) {
      counter.closed();
    }
  }
}
