package io.ablserve.server.api;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.session.EventLog;
import io.ablserve.v1.SessionEvent;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One WatchSession call: a cursor into the session's {@link EventLog} that sends while the client is
 * ready and resumes when it is ready again, in the manner of grpc-java's {@code HealthServiceImpl.watch}
 * and {@code manualflowcontrol}. The log is the only buffer, so a slow client costs no memory, and the
 * training thread only ever schedules a drain, never performs one.
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
      long fromSequence,
      long endSequence) {
    this.log = log;
    this.counter = counter;
    this.observer = observer;
    this.executor = executor;
    this.cursor = fromSequence;
    this.endSequence = endSequence;
  }

  /**
   * Streams {@code log} from {@code fromSequence} to {@code observer}: up to the terminal event when
   * {@code follow}, else up to the log's end now. Must be called from the RPC method itself.
   */
  static void start(
      EventLog log,
      ServerCallStreamObserver<SessionEvent> observer,
      Executor executor,
      WatchCounter counter,
      long fromSequence,
      boolean follow) {
    requireNonNull(log, "log");
    requireNonNull(observer, "observer");
    requireNonNull(executor, "executor");
    requireNonNull(counter, "counter");
    SessionWatch watch =
        new SessionWatch(
            log, observer, executor, counter, fromSequence, follow ? FOLLOW : log.size());
    counter.opened();
    observer.setOnCancelHandler(watch::stop);
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
      if (done.get() || !observer.isReady()) {
        return true;
      }
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

  private void complete() {
    stop();
    observer.onCompleted();
  }

  private void stop() {
    if (done.compareAndSet(false, true)) {
      log.unsubscribe(signal);
      counter.closed();
    }
  }
}
