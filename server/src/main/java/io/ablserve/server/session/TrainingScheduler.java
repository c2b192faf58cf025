package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import io.ablserve.server.config.SlotSpec;
import io.ablserve.server.store.StoreException;
import io.ablserve.server.train.NativeMemory;
import io.ablserve.server.train.TrainingCancelledException;
import io.ablserve.server.train.TrainingOutcome;
import io.ablserve.v1.SessionState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs queued sessions on device slots, one thread per slot, each taking the next session when its slot
 * is free: highest priority first, users in turn within a priority ({@link TrainingQueue}), passing over
 * the sessions whose device request the slot does not serve ({@link SlotSpec#serves}). Inline (sessions training in this
 * process) there is exactly one slot, and that is not a tuning choice: DJL's PyTorch GradientCollector is
 * process-global (a second one open at once throws IllegalStateException) and so is the engine's random
 * seed, so two trainings in one JVM cannot run side by side. Several slots need sessions in worker
 * processes ({@link SlotTrainers#isolated}).
 */
final class TrainingScheduler implements AutoCloseable {
  private static final Logger logger = Logger.getLogger(TrainingScheduler.class.getName());

  private final SlotTrainers trainers;
  private final List<SlotSpec> slots;
  private final SavedModels models;
  private final Path dataDir;
  private final BooleanSupplier storeWritable;
  private final int capacity;
  private final OptionalInt perUserLimit;
  private final TrainingQueue<TrainingSession> queue = new TrainingQueue<>();
  private final List<Thread> threads = new ArrayList<>();
  private static final long STORE_WAIT_MILLIS = 100;

  private final Set<TrainingSession> unstored = ConcurrentHashMap.newKeySet();
  private final Map<SlotSpec, TrainingSession> running = new LinkedHashMap<>(); // guarded by this
  private volatile Consumer<TrainingSession> onWorkerLost = session -> {};
  private volatile boolean closed;

  /**
   * Runs sessions with {@code trainer} on one slot, in this process; checkpoints live under {@code dataDir}, models in {@code models}.
   * At most {@code capacity} sessions wait, and at most {@code perUserLimit} of one user's, when given.
   * No session starts while {@code storeWritable} is false: it would only fail to record that it runs.
   */
  TrainingScheduler(
      Trainer trainer,
      SavedModels models,
      Path dataDir,
      int capacity,
      OptionalInt perUserLimit,
      BooleanSupplier storeWritable) {
    this(SlotTrainers.inline(requireNonNull(trainer, "trainer")),
        List.of(new SlotSpec("cpu-0", "cpu", 0)), models, dataDir, capacity, perUserLimit, storeWritable);
  }

  /**
   * Runs sessions on {@code slots}, one at a time on each, with the trainer {@code trainers} gives for the
   * slot; otherwise as the one-slot constructor.
   */
  TrainingScheduler(
      SlotTrainers trainers,
      List<SlotSpec> slots,
      SavedModels models,
      Path dataDir,
      int capacity,
      OptionalInt perUserLimit,
      BooleanSupplier storeWritable) {
    this.trainers = requireNonNull(trainers, "trainers");
    this.slots = List.copyOf(slots);
    if (this.slots.isEmpty() || (!trainers.isolated() && this.slots.size() > 1)) {
      throw new IllegalArgumentException(
          "sessions training in the server process need exactly one slot, got " + slots.size());
    }
    this.storeWritable = requireNonNull(storeWritable, "storeWritable");
    this.models = requireNonNull(models, "models");
    this.dataDir = requireNonNull(dataDir, "dataDir");
    this.capacity = capacity;
    this.perUserLimit = requireNonNull(perUserLimit, "perUserLimit");
    for (SlotSpec slot : this.slots) {
      Thread thread = new Thread(() -> trainForever(slot), "ablserve-trainer-" + slot.name());
      thread.setDaemon(true);
      threads.add(thread);
    }
  }

  /**
   * Called on the slot's thread with a session whose worker died after it had started, once the session
   * is INTERRUPTED: the session manager queues it again (or not) by {@code --resume-interrupted}.
   */
  void onWorkerLost(Consumer<TrainingSession> handler) {
    this.onWorkerLost = requireNonNull(handler, "handler");
  }

  void start() {
    threads.forEach(Thread::start);
  }

  List<SlotSpec> slots() {
    return slots;
  }

  /** The session training on {@code slot}, or null. */
  synchronized TrainingSession runningOn(SlotSpec slot) {
    return running.get(slot);
  }

  /** The process id of the worker on {@code slot}; 0 when none. */
  long workerPid(SlotSpec slot) {
    return trainers.workerPid(slot);
  }

  /**
   * The memory of the process training {@code session} on {@code slot}, as its trainers know it: on the
   * device the session resolved to (inline), else the slot's.
   */
  SlotMemory memory(SlotSpec slot, TrainingSession session) {
    Device device = session.resolved().device()
        .orElseGet(() -> slot.isGpu() ? Device.gpu(slot.gpuIndex()) : Device.cpu());
    return trainers.memory(slot, device);
  }

  boolean isolated() {
    return trainers.isolated();
  }

  /** How sessions train: {@code inline}, {@code process} or {@code kubernetes}. */
  String isolation() {
    return trainers.isolation();
  }

  /** {@code slot} as its sessions get it (its Jobs' CPUs, on Kubernetes). */
  SlotSpec asRun(SlotSpec slot) {
    return trainers.asRun(slot);
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

  /** The sessions training now, by slot order. */
  synchronized List<TrainingSession> running() {
    return List.copyOf(running.values());
  }

  /**
   * Sessions that will train before {@code session} (0 = next), or -1 when it is not queued: those ahead
   * of it that a slot serving it may take first. A session a slot has taken is next (0): while it is still QUEUED, only a cluster queue holds its worker back.
   */
  int positionOf(TrainingSession session) {
    int position =
        queue.positionOf(
            session, other -> slots.stream().anyMatch(s -> serves(s, other) && serves(s, session)));
    if (position < 0) {
      synchronized (this) {
        return running.containsValue(session) ? 0 : -1;
      }
    }
    return position;
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

  private void trainForever(SlotSpec slot) {
    while (!closed) {
      TrainingSession session;
      try {
        awaitWritableStore();
        session = queue.take(s -> serves(slot, s));
      } catch (InterruptedException e) {
        break; // close() wakes an idle trainer this way
      }
      synchronized (this) {
        if (closed) {
          break; // it stays QUEUED in the store, for the next process
        }
        running.put(slot, session);
      }
      try (SessionLogContext.Scope scope = SessionLogContext.enter(session.id())) {
        Device device =
            trainers.isolated() ? device(slot) : session.resolved().device().orElseThrow();
        if (trainers.startsWhenAdmitted()) {
          // QUEUED while a cluster queue (Kueue) holds its worker back; RUNNING once admitted.
          train(session, slot, device, () -> session.start(slot.name(), device.toString()));
        } else if (session.start(slot.name(), device.toString())) {
          train(session, slot, device, null);
          NativeMemory.trim(); // the session's tensors are gone: give their memory back while idle
        }
      } catch (StoreException e) {
        interruptUnstored(session, e); // the store would not take RUNNING: it still says QUEUED
      } catch (RuntimeException | Error e) {
        // Nothing may end this thread: every later session would wait for it for ever.
        logger.log(Level.SEVERE, "session " + session.id() + " broke the trainer", e);
        interruptUnstored(session, "internal error: " + reason(e));
      } finally {
        synchronized (this) {
          running.remove(slot);
        }
      }
    }
  }

  /**
   * Trains {@code session} from its latest checkpoint, if any. Its checkpoints are kept only while it may
   * still be resumed: deleted once it succeeds, fails or is cancelled, kept when the server stops it.
   *
   * <p>A store or file error on the way (an event, a state, a checkpoint or the model not written) fails
   * the session, and FAILED is stored. When even that cannot be stored, the store is unwritable: the
   * session ends INTERRUPTED in memory only, keeping its checkpoints (see {@link
   * TrainingSession#interruptUnstored}).
   *
   * <p>With {@code admission} (trainers that {@link SlotTrainers#startsWhenAdmitted}), the session is
   * still QUEUED and the trainer starts it through {@code admission} once its worker is admitted; a run
   * that ends before that ends the session from QUEUED (see {@link #endUnadmitted}). Without, it is
   * RUNNING already.
   */
  private void train(
      TrainingSession session, SlotSpec slot, Device device, BooleanSupplier admission) {
    ResolvedSession resolved = session.resolved();
    FileCheckpoints checkpoints = checkpoints(dataDir, session);
    StorageFault fault = new StorageFault();
    Runnable end;
    boolean resumable = false;
    boolean lost = false;
    try {
      Trainer trainer =
          admission == null
              ? trainers.on(slot, session.id(), resolved.config())
              : trainers.on(slot, session.id(), resolved.config(), admission);
      TrainingOutcome outcome =
          trainer.train(
              resolved.experiment(), device, session,
              () -> session.isCancelRequested() || fault.happened(),
              fault.watching(
                  IsolatedSets.recording(checkpoints, IsolatedSets.file(dataDir, session.id()))),
              models.sinkFor(session.id(), resolved.config()));
      end = () -> session.succeed(outcome);
    } catch (TrainingCancelledException e) {
      if (fault.happened()) {
        end = () -> session.fail(fault.reason());
      } else if (closed) {
        end = () -> session.interrupt("server shut down: " + e.getMessage());
        resumable = true;
      } else {
        end = () -> session.cancelled(e.getMessage());
      }
    } catch (WorkerLostException e) {
      logger.warning("session " + session.id() + " lost its worker on " + slot.name() + ": "
          + e.getMessage());
      end = () -> session.interrupt(e.getMessage());
      resumable = true;
      lost = !closed;
    } catch (Exception | Error e) {
      logger.log(Level.WARNING, "session " + session.id() + " failed", e);
      if (e instanceof StoreException stored
          && session.state() == SessionState.SESSION_STATE_QUEUED) {
        interruptUnstored(session, stored); // the store would not take RUNNING on admission
        return;
      }
      String reason = e instanceof StoreException ? "the session store failed: " + reason(e) : reason(e);
      if (closed) {
        end = () -> session.interrupt("server shut down: " + reason);
        resumable = true;
      } else {
        end = () -> session.fail(reason);
      }
    }
    if (admission != null && session.state() != SessionState.SESSION_STATE_RUNNING) {
      if (!endUnadmitted(session, slot, device, end, checkpoints)) {
        return;
      }
      end = () -> {};
    }
    try {
      end.run();
    } catch (StoreException e) {
      interruptUnstored(session, e);
      return; // its checkpoints stay: it goes on from them when resumed
    }
    if (!resumable) {
      checkpoints.delete();
    }
    if (lost) {
      onWorkerLost.accept(session);
    }
  }

  /**
   * Ends a run whose session is not RUNNING: still QUEUED because its worker was never admitted, or
   * CANCELLED by a cancel that arrived as it was. A cancel ends it from QUEUED (its checkpoints, of a
   * resumed run, deleted); a shutdown leaves it to close(), checkpoints kept. Any other end, {@code end},
   * needs RUNNING, so the session is started first: a Job that failed or was lost while Kueue held it
   * shows as a run that ended at once. True when {@code end} ran and the caller still keeps or deletes
   * the checkpoints and reports a loss as for a RUNNING session.
   */
  private boolean endUnadmitted(
      TrainingSession session, SlotSpec slot, Device device, Runnable end, FileCheckpoints checkpoints) {
    try {
      if (session.state() == SessionState.SESSION_STATE_QUEUED && closed) {
        return false;
      }
      if (session.state() == SessionState.SESSION_STATE_QUEUED && session.isCancelRequested()) {
        session.cancelWhileQueued();
      }
      if (session.state() != SessionState.SESSION_STATE_QUEUED) {
        if (session.state() == SessionState.SESSION_STATE_CANCELLED) {
          checkpoints.delete();
        }
        return false;
      }
      if (!session.start(slot.name(), device.toString())) {
        checkpoints.delete(); // cancelled as it started
        return false;
      }
      end.run();
    } catch (StoreException e) {
      interruptUnstored(session, e);
      return false;
    }
    return true;
  }

  /**
   * True when {@code session} may train on {@code slot}: the slot serves its device request where slots
   * decide the device ({@link SlotTrainers#isolated}); the one slot of an inline server trains every
   * session, on the device its config names.
   */
  private boolean serves(SlotSpec slot, TrainingSession session) {
    return !trainers.isolated() || slot.serves(session.resolved().config().getDevice());
  }

  private static Device device(SlotSpec slot) {
    return slot.isGpu() ? Device.gpu(slot.gpuIndex()) : Device.cpu();
  }

  private void interruptUnstored(TrainingSession session, StoreException e) {
    interruptUnstored(session, "the session store cannot be written (" + reason(e) + ")");
  }

  private void interruptUnstored(TrainingSession session, String why) {
    logger.warning("session " + session.id() + " ends INTERRUPTED, not stored yet: " + why);
    session.interruptUnstored(why + "; the session goes on from its last checkpoint when resumed");
    if (session.hasUnstoredState()) {
      unstored.add(session);
    }
  }

  private synchronized void awaitWritableStore() throws InterruptedException {
    while (!closed && !storeWritable.getAsBoolean()) {
      wait(STORE_WAIT_MILLIS); // the store's health is polled: the probe that heals it runs elsewhere
    }
  }

  /**
   * Stores the INTERRUPTED state of every session that ended while the store could not be written;
   * StoreException, leaving the rest for the next call, while it still cannot be.
   */
  void storeInterruptions() {
    for (TrainingSession session : unstored) {
      session.storeInterruption();
      unstored.remove(session);
    }
  }

  /** True while a session's INTERRUPTED state waits for {@link #storeInterruptions}. */
  boolean hasUnstoredInterruptions() {
    return !unstored.isEmpty();
  }

  private static String reason(Throwable e) {
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  /** The checkpoints of {@code session}, each recording the last event it had logged. */
  static FileCheckpoints checkpoints(Path dataDir, TrainingSession session) {
    return new FileCheckpoints(
        FileCheckpoints.folder(dataDir, session.id()), () -> session.events().appended() - 1);
  }

  /**
   * Stops the trainer: the running session is cancelled and ends INTERRUPTED; queued ones (a session whose
   * Job Kueue still held too) stay QUEUED in the store, for the next process to queue again. Waits up to
   * {@code timeout} for the run to notice.
   */
  void close(Duration timeout) throws InterruptedException {
    List<TrainingSession> current;
    synchronized (this) {
      closed = true;
      current = List.copyOf(running.values());
    }
    queue.clear();
    current.forEach(TrainingSession::requestCancelQuietly);
    threads.forEach(Thread::interrupt);
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread thread : threads) {
      thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    }
    for (TrainingSession session : current) {
      interruptOnClose(session);
    }
    trainers.close();
  }

  private static void interruptOnClose(TrainingSession current) {
    if (current.state() == SessionState.SESSION_STATE_QUEUED) {
      // Never started (Kueue held its Job): like the rest of the queue, it stays QUEUED in the store,
      // for the next process to queue again.
      return;
    }
    try {
      current.interrupt("server shut down");
    } catch (StoreException e) {
      // The store keeps it RUNNING, which the next process treats as a crash: resumed or INTERRUPTED.
      logger.log(Level.WARNING, "session " + current.id() + " not stored INTERRUPTED", e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    close(Duration.ofSeconds(30));
  }
}
