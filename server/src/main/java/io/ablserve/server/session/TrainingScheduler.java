package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.train.NativeMemory;
import io.ablserve.server.train.TrainingCancelledException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs queued sessions one at a time on a single training thread, highest priority first and first in
 * first out within a priority. One at a time is not a tuning choice: DJL's PyTorch GradientCollector is
 * process-global, so two trainings in one JVM would record into each other's gradients.
 */
final class TrainingScheduler implements AutoCloseable {
  private static final Logger logger = Logger.getLogger(TrainingScheduler.class.getName());

  private final Trainer trainer;
  private final SavedModels models;
  private final Path dataDir;
  private final int capacity;
  private final OptionalInt perUserLimit;
  private final TrainingQueue<TrainingSession> queue = new TrainingQueue<>();
  private final Thread thread;
  private TrainingSession running; // guarded by this
  private volatile boolean closed;

  /**
   * Runs sessions with {@code trainer}; checkpoints live under {@code dataDir}, models in {@code models}.
   * At most {@code capacity} sessions wait, and at most {@code perUserLimit} of one user's, when given.
   */
  TrainingScheduler(
      Trainer trainer, SavedModels models, Path dataDir, int capacity, OptionalInt perUserLimit) {
    this.trainer = requireNonNull(trainer, "trainer");
    this.models = requireNonNull(models, "models");
    this.dataDir = requireNonNull(dataDir, "dataDir");
    this.capacity = capacity;
    this.perUserLimit = requireNonNull(perUserLimit, "perUserLimit");
    this.thread = new Thread(this::trainForever, "ablserve-trainer");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /**
   * Creates a session of {@code owner}'s with {@code create} and queues it, or creates nothing:
   * QueueFullException when {@code capacity} sessions already wait, UserQueueLimitException when {@code
   * owner} already has the per-user limit waiting, ShuttingDownException once closing.
   */
  synchronized TrainingSession submit(String owner, Supplier<TrainingSession> create) {
    if (closed) {
      throw new ShuttingDownException();
    }
    if (perUserLimit.isPresent() && queue.countOwnedBy(owner) >= perUserLimit.getAsInt()) {
      throw new UserQueueLimitException(owner, perUserLimit.getAsInt());
    }
    return restore(create);
  }

  /**
   * Queues a session an earlier process had accepted, created with {@code create}, whatever its owner
   * has queued since: only the queue's capacity and shutdown can refuse it, as in {@link #submit}.
   */
  synchronized TrainingSession restore(Supplier<TrainingSession> create) {
    if (closed) {
      throw new ShuttingDownException();
    }
    if (queue.size() >= capacity) {
      throw new QueueFullException(capacity);
    }
    TrainingSession session = create.get();
    // Only this object adds, under its lock: the room checked above is still there.
    queue.add(session, session.owner(), session.priority());
    return session;
  }

  int queueLength() {
    return queue.size();
  }

  synchronized TrainingSession running() {
    return running;
  }

  /** Sessions that will train before {@code session} (0 = next), or -1 when it is not queued. */
  int positionOf(TrainingSession session) {
    return queue.positionOf(session);
  }

  /**
   * Cancels {@code session}: a queued one at once, a running one within a training step.
   * IllegalTransitionException when it has finished.
   */
  void cancel(TrainingSession session) {
    session.requestCancel();
    if (queue.remove(session)) {
      session.cancelWhileQueued();
    }
  }

  private void trainForever() {
    while (!closed) {
      TrainingSession session;
      try {
        session = queue.take();
      } catch (InterruptedException e) {
        break; // close() wakes an idle trainer this way
      }
      synchronized (this) {
        if (closed) {
          break; // it stays QUEUED in the store, for the next process
        }
        running = session;
      }
      if (session.start()) {
        train(session);
        NativeMemory.trim(); // the session's tensors are gone: give their memory back while idle
      }
      synchronized (this) {
        running = null;
      }
    }
  }

  /**
   * Trains {@code session} from its latest checkpoint, if any. Its checkpoints are kept only while it may
   * still be resumed: deleted once it succeeds, fails or is cancelled, kept when the server stops it.
   */
  private void train(TrainingSession session) {
    ResolvedSession resolved = session.resolved();
    FileCheckpoints checkpoints = checkpoints(dataDir, session);
    try {
      session.succeed(
          trainer.train(
              resolved.experiment(), resolved.device(), session, session::isCancelRequested,
              checkpoints,
              models.sinkFor(session.id(), resolved.config())));
      checkpoints.delete();
    } catch (TrainingCancelledException e) {
      if (closed) {
        session.interrupt("server shut down: " + e.getMessage());
      } else {
        session.cancelled(e.getMessage());
        checkpoints.delete();
      }
    } catch (Exception | Error e) {
      logger.log(Level.WARNING, "session " + session.id() + " failed", e);
      String reason = e.getMessage() == null ? e.toString() : e.getMessage();
      if (closed) {
        session.interrupt("server shut down: " + reason);
      } else {
        session.fail(reason);
        checkpoints.delete();
      }
    }
  }

  /** The checkpoints of {@code session}, each recording the last event it had logged. */
  static FileCheckpoints checkpoints(Path dataDir, TrainingSession session) {
    return new FileCheckpoints(
        FileCheckpoints.folder(dataDir, session.id()), () -> session.events().size() - 1);
  }

  /**
   * Stops the trainer: the running session is cancelled and ends INTERRUPTED; queued ones stay QUEUED in
   * the store, for the next process to queue again. Waits up to {@code timeout} for the run to notice.
   */
  void close(Duration timeout) throws InterruptedException {
    TrainingSession current;
    synchronized (this) {
      closed = true;
      current = running;
    }
    queue.clear();
    if (current != null) {
      current.requestCancelQuietly();
    }
    thread.interrupt();
    thread.join(timeout.toMillis());
    if (current != null) {
      current.interrupt("server shut down");
    }
  }

  @Override
  public void close() throws InterruptedException {
    close(Duration.ofSeconds(30));
  }
}
