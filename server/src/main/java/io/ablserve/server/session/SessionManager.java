package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.ablserve.server.auth.Principal;
import io.ablserve.server.config.ApiPolicy;
import io.ablserve.server.config.ResumeInterrupted;
import io.ablserve.server.config.SlotSpec;
import io.ablserve.server.store.Listed;
import io.ablserve.server.store.SessionStore;
import io.ablserve.server.store.StoreException;
import io.ablserve.server.train.TrainingState;
import io.ablserve.v1.DeviceSlot;
import io.ablserve.v1.ListDevicesResponse;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sessions of this server: creates them from requests, queues them for the trainer, answers for their
 * state, cancels and resumes them, and on start takes over what an earlier process left in the store.
 * Every call acts for a {@link Principal}; another user's session is reported as not found. Errors are
 * exceptions the API maps to status codes: IllegalArgumentException (bad config), {@link
 * SessionNotFoundException}, {@link IllegalTransitionException}, {@link QueueFullException}, {@link
 * UserQueueLimitException}, {@link ShuttingDownException}, and {@link StorageGuard}'s refusals.
 */
public final class SessionManager implements AutoCloseable {
  /** The lowest queue priority a session may have. */
  public static final int MIN_PRIORITY = -100;
  /** The highest queue priority a session may have. */
  public static final int MAX_PRIORITY = 100;

  /** How often a store that failed a write is probed, until it takes one again. */
  static final Duration STORE_PROBE_INTERVAL = Duration.ofSeconds(1);

  private static final Logger logger = Logger.getLogger(SessionManager.class.getName());

  private final SessionConfigResolver resolver;
  private final SessionStore store;
  private final DatasetAccess datasets;
  private final ExpiringUploads uploads;
  private final Clock clock;
  private final Path dataDir;
  private final ResumeInterrupted resumeInterrupted;
  private final TrainingScheduler scheduler;
  private final StoreHealth health;
  private final StorageGuard storage;
  private final ApiPolicy retention;
  private final Object requestLock = new Object();
  private final Map<String, Integer> workerLosses = new ConcurrentHashMap<>();
  private final int maxWorkerLosses;
  /** Worker losses after which a session stays INTERRUPTED, by default. */
  static final int MAX_WORKER_LOSSES = 3;
  private final Map<String, TrainingSession> live = new ConcurrentHashMap<>();
  private final ScheduledExecutorService prober =
      Executors.newSingleThreadScheduledExecutor(
          new ThreadFactoryBuilder().setDaemon(true).setNameFormat("ablserve-store-probe").build());

  /**
   * At most {@code maxQueuedSessions} sessions wait for the trainer, and at most {@code
   * maxQueuedPerUser} of one user's when given. Writes to {@code store} are reported to {@code health};
   * new sessions pass {@code storage}'s checks. Finished sessions, and then {@code uploads} no session
   * uses, are deleted after {@code retention}'s {@link ApiPolicy#retainFinished} when it sets one.
   */
  public SessionManager(
      SessionConfigResolver resolver,
      SessionStore store,
      DatasetAccess datasets,
      ExpiringUploads uploads,
      Trainer trainer,
      SavedModels models,
      int maxQueuedSessions,
      OptionalInt maxQueuedPerUser,
      Path dataDir,
      ResumeInterrupted resumeInterrupted,
      StoreHealth health,
      StorageGuard storage,
      ApiPolicy retention,
      Clock clock) {
    this(resolver, store, datasets, uploads, SlotTrainers.inline(requireNonNull(trainer, "trainer")),
        List.of(new SlotSpec("cpu-0", "cpu", 0)), MAX_WORKER_LOSSES, models, maxQueuedSessions, maxQueuedPerUser, dataDir,
        resumeInterrupted, health, storage, retention, clock);
  }

  /**
   * As the other constructor, with sessions trained on {@code slots} by the trainers of {@code trainers}:
   * one slot when they train in this process, any number in worker processes. A session that lost its
   * worker more than {@code maxWorkerLosses} times stays INTERRUPTED rather than being resumed again.
   */
  public SessionManager(
      SessionConfigResolver resolver,
      SessionStore store,
      DatasetAccess datasets,
      ExpiringUploads uploads,
      SlotTrainers trainers,
      List<SlotSpec> slots,
      int maxWorkerLosses,
      SavedModels models,
      int maxQueuedSessions,
      OptionalInt maxQueuedPerUser,
      Path dataDir,
      ResumeInterrupted resumeInterrupted,
      StoreHealth health,
      StorageGuard storage,
      ApiPolicy retention,
      Clock clock) {
    this.retention = requireNonNull(retention, "retention");
    this.maxWorkerLosses = maxWorkerLosses;
    this.resolver = requireNonNull(resolver, "resolver");
    this.health = requireNonNull(health, "health");
    this.storage = requireNonNull(storage, "storage");
    this.store = health.tracking(requireNonNull(store, "store"));
    this.datasets = requireNonNull(datasets, "datasets");
    this.uploads = requireNonNull(uploads, "uploads");
    this.clock = requireNonNull(clock, "clock");
    this.dataDir = requireNonNull(dataDir, "dataDir");
    this.resumeInterrupted = requireNonNull(resumeInterrupted, "resumeInterrupted");
    this.scheduler =
        new TrainingScheduler(
            trainers, slots, models, dataDir, maxQueuedSessions, maxQueuedPerUser, health::writable);
    scheduler.onWorkerLost(this::resumeAfterWorkerLoss);
  }

  /**
   * Takes over the stored sessions of an earlier process, then starts the training thread. Sessions it
   * left QUEUED are queued again with their priorities, in their order within a priority, whatever the
   * per-user limit is now; those it left RUNNING, the process having died under
   * them, are queued again to go on from their last checkpoint ({@link ResumeInterrupted#AUTO}) or become
   * INTERRUPTED until resumed ({@link ResumeInterrupted#MANUAL}, see {@link #resume}).
   */
  public void start() {
    List<Session> oldestFirst = new ArrayList<>(store.list());
    java.util.Collections.reverse(oldestFirst);
    for (Session stored : oldestFirst) {
      switch (stored.getState()) {
        case SESSION_STATE_RUNNING -> {
          if (resumeInterrupted == ResumeInterrupted.AUTO) {
            resumeAfterRestart(stored);
          } else {
            TrainingSession.interruptStored(
                stored, store.eventCount(stored.getId()),
                "server stopped while the session was running", store, clock);
          }
        }
        case SESSION_STATE_QUEUED -> requeue(stored);
        default -> {}
      }
    }
    scheduler.start();
    long interval = STORE_PROBE_INTERVAL.toMillis();
    prober.scheduleWithFixedDelay(this::probeStore, interval, interval, TimeUnit.MILLISECONDS);
    prober.scheduleWithFixedDelay(this::evictFinished, interval, interval, TimeUnit.MILLISECONDS);
    if (retention.expiresFinished()) {
      long sweep = retention.retentionSweepInterval().toMillis();
      prober.scheduleWithFixedDelay(this::sweepFinished, 0, sweep, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * While the store is unwritable, or sessions ended without their INTERRUPTED state stored: writes a
   * probe, then those states. The first write that succeeds makes the store healthy again.
   */
  void probeStore() {
    if (health.writable() && !scheduler.hasUnstoredInterruptions()) {
      return;
    }
    try {
      store.probe();
      scheduler.storeInterruptions();
    } catch (StoreException e) {
      // still unwritable, as the health now says; the next probe tries again
    } catch (RuntimeException e) {
      logger.log(Level.WARNING, "store probe failed", e);
    }
  }

  /**
   * Forgets the sessions that have ended with their final state stored: the store answers for them from
   * then on, exactly as it does after a restart, so memory holds only the queued, the running and the
   * sessions whose end waits for the store. Without this every session ever run stayed in memory.
   */
  void evictFinished() {
    live.values().removeIf(s -> TelemetryEvents.isTerminal(s.state()) && !s.hasUnstoredState());
  }

  /** Sessions held in memory: queued, running, and ended ones not yet evicted. */
  public int sessionsInMemory() {
    return live.size();
  }

  private void resumeAfterRestart(Session stored) {
    long eventCount = store.eventCount(stored.getId());
    try {
      ResolvedSession resolved = resolver.resolve(stored.getConfig());
      ResumePoint from = resumePoint(stored.getId(), eventCount);
      scheduler.restore(() -> track(TrainingSession.resumeAfterRestart(
          stored, eventCount, from.epoch(), from.supersededAfter(), resolved, store, clock)));
    } catch (IOException | RuntimeException e) {
      logger.warning("session " + stored.getId() + " cannot be resumed after a restart: " + e.getMessage());
      TrainingSession.interruptStored(
          stored, eventCount,
          "server stopped while the session was running; could not be queued again: " + whyNotQueued(e),
          store, clock);
    }
  }

  /**
   * Where a resumed session goes on from: the epoch of its latest readable checkpoint (none: epoch 0),
   * and the last event that checkpoint covers, after which the run's telemetry is done again (-1 without
   * a checkpoint; the log's last event, so nothing is superseded, for a checkpoint that did not record
   * it).
   */
  record ResumePoint(Optional<Integer> epoch, long supersededAfter) {}

  private ResumePoint resumePoint(String sessionId, long eventCount) {
    FileCheckpoints checkpoints =
        new FileCheckpoints(FileCheckpoints.folder(dataDir, sessionId), () -> eventCount - 1);
    Optional<Integer> epoch = checkpoints.latest().map(TrainingState::epoch);
    if (epoch.isEmpty()) {
      return new ResumePoint(epoch, -1);
    }
    long covered = checkpoints.lastEventSequence();
    logger.info(
        "session " + sessionId + " goes on from its checkpoint after epoch " + epoch.get() + " (event #"
            + covered + " then; its log holds " + eventCount + " events)");
    return new ResumePoint(epoch, covered >= 0 ? covered : eventCount - 1);
  }

  private void requeue(Session stored) {
    long eventCount = store.eventCount(stored.getId());
    try {
      ResolvedSession resolved = resolver.resolve(stored.getConfig());
      scheduler.restore(() -> track(
          TrainingSession.restoreQueued(stored, eventCount, resolved, store, clock)));
    } catch (IOException | RuntimeException e) {
      // A dataset gone since, or a queue now smaller: kept as INTERRUPTED so its owner can resume it.
      logger.warning("session " + stored.getId() + " cannot be queued again: " + e.getMessage());
      TrainingSession.interruptStored(
          stored, eventCount, "could not be queued again after a restart: " + whyNotQueued(e), store,
          clock);
    }
  }

  /** Why a stored session could not be queued again, with the way on where there is one. */
  private static String whyNotQueued(Exception e) {
    return e instanceof NoSlotServesException
        ? e.getMessage() + "; to resume it on one of them: ResumeSession with device (CLI: ablserve resume ID"
            + " --device DEVICE)"
        : e.getMessage();
  }

  /**
   * Validates {@code config} and {@code priority} (in [{@value #MIN_PRIORITY}, {@value
   * #MAX_PRIORITY}]), resolves the config's defaults and queues a new session owned by {@code caller}.
   * IOException when a configured dataset cannot be read.
   */
  public Session create(SessionConfig config, int priority, Principal caller) throws IOException {
    return create(config, priority, "", caller);
  }

  /**
   * As {@link #create(SessionConfig, int, Principal)}; with a non-empty {@code requestId} (a UUID), a
   * later call of the same user with it returns the session the first call created instead of creating
   * another. The id the session will have is remembered before it is created, so a retry after a refusal
   * or a crash in between creates it under that id.
   */
  public Session create(SessionConfig config, int priority, String requestId, Principal caller)
      throws IOException {
    requireNonNull(caller, "caller");
    if (requestId.isEmpty()) {
      return create(UUID.randomUUID().toString(), config, priority, caller);
    }
    String request = RequestIds.check("request_id", requestId);
    synchronized (requestLock) { // a retry racing its first call must not create twice
      String id = store.rememberRequest(caller.user(), request, UUID.randomUUID().toString());
      TrainingSession session = live.get(id);
      if (session != null) {
        return snapshot(session);
      }
      Optional<Session> stored = store.find(id);
      if (stored.isPresent()) {
        return stored.get();
      }
      return create(id, config, priority, caller);
    }
  }

  private Session create(String id, SessionConfig config, int priority, Principal caller)
      throws IOException {
    if (priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
      throw new IllegalArgumentException(
          "priority must be in [" + MIN_PRIORITY + ", " + MAX_PRIORITY + "], got " + priority);
    }
    datasets.checkUsable(config.getDataset().getName(), caller);
    // A config that can never run is INVALID_ARGUMENT whatever the disk: validate before the space check.
    ResolvedSession resolved = resolver.resolve(config);
    storage.check("new sessions", 0);
    TrainingSession session =
        scheduler.submit(
            caller.user(),
            () -> track(
                TrainingSession.create(id, caller.user(), priority, resolved, store, clock)));
    return snapshot(session);
  }

  public Session get(String sessionId, Principal caller) {
    TrainingSession session = live.get(sessionId);
    Session found =
        session != null
            ? snapshot(session)
            : store.find(sessionId).orElseThrow(() -> new SessionNotFoundException(sessionId));
    if (!caller.canSee(found.getOwner())) {
      throw new SessionNotFoundException(sessionId);
    }
    return found;
  }

  /** The sessions {@code caller} can see, newest first. */
  public List<Session> list(Principal caller) {
    return store.list().stream()
        .filter(stored -> caller.canSee(stored.getOwner()))
        .map(stored -> {
          TrainingSession session = live.get(stored.getId());
          return session == null ? stored : snapshot(session);
        })
        .toList();
  }

  /**
   * Up to {@code limit} of the sessions {@code caller} can see whose listing key is below {@code
   * beforeKey} ({@link Long#MAX_VALUE}: from the newest), newest first, each with its key.
   */
  public List<Listed<Session>> listPage(Principal caller, long beforeKey, int limit) {
    Optional<String> owner = caller.admin() ? Optional.empty() : Optional.of(caller.user());
    return store.listPage(owner, beforeKey, limit).stream()
        .map(stored -> {
          TrainingSession session = live.get(stored.item().getId());
          return session == null ? stored : new Listed<>(stored.key(), snapshot(session));
        })
        .toList();
  }

  /**
   * Deletes a finished session of {@code caller}'s (or any, for an admin): its record, event log,
   * request id, checkpoints and saved model. IllegalTransitionException while it is QUEUED or RUNNING.
   */
  public void delete(String sessionId, Principal caller) {
    synchronized (this) { // as resume(): an INTERRUPTED session is either resumed or deleted
      Session found = get(sessionId, caller); // NOT_FOUND for an unknown or invisible session
      if (!TelemetryEvents.isTerminal(found.getState())) {
        throw new IllegalTransitionException(
            "session '" + sessionId + "' is " + found.getState().name().substring(14)
                + "; cancel it before deleting it");
      }
      TrainingSession ended = live.get(sessionId);
      if (ended != null && ended.hasUnstoredState()) {
        throw new IllegalTransitionException(
            "session '" + sessionId + "' ended while the store took no writes; delete it once its"
                + " final state is stored (the server retries every second)");
      }
      delete(sessionId);
    }
  }

  private void delete(String sessionId) {
    synchronized (requestLock) { // not while a retried create looks the session up
      store.delete(sessionId);
      live.remove(sessionId);
    }
    try {
      DatasetUpload.deleteTree(dataDir.resolve("sessions").resolve(sessionId));
    } catch (java.io.UncheckedIOException e) {
      // The record is gone, so nothing refers to the files any more; the next sweep does not see them.
      logger.log(Level.WARNING, "session " + sessionId + " deleted, but not all of its files", e);
    }
  }

  /**
   * Deletes the sessions that SUCCEEDED, FAILED or were CANCELLED longer than {@code retain} ago, by
   * their finished_at; INTERRUPTED ones wait to be resumed and stay. Returns how many it deleted.
   */
  int deleteFinishedBefore(Duration retain) {
    java.time.Instant cutoff = clock.instant().minus(retain);
    int deleted = 0;
    for (Session stored : store.list()) {
      boolean finished =
          switch (stored.getState()) {
            case SESSION_STATE_SUCCEEDED, SESSION_STATE_FAILED, SESSION_STATE_CANCELLED -> true;
            default -> false;
          };
      if (finished
          && stored.hasFinishedAt()
          && EventLog.instant(stored.getFinishedAt()).isBefore(cutoff)) {
        delete(stored.getId());
        deleted++;
      }
    }
    return deleted;
  }

  /**
   * Deletes the uploads created longer than {@code retain} ago that no session, in any state, trains
   * on: a finished one may still be evaluated on its dataset. Returns how many it deleted.
   */
  int deleteUnusedUploadsBefore(Duration retain) {
    java.time.Instant cutoff = clock.instant().minus(retain);
    java.util.Set<String> used = new java.util.HashSet<>();
    for (Session stored : store.list()) {
      used.add(stored.getConfig().getDataset().getName());
    }
    // A session created since the listing is live before its dataset could be deleted under it.
    return uploads.deleteUnusedCreatedBefore(cutoff, name -> used.contains(name) || usesDataset(name));
  }

  private void sweepFinished() {
    try {
      int deleted = deleteFinishedBefore(retention.retainFinished());
      if (deleted > 0) {
        logger.info("retention: deleted " + deleted + " sessions finished over "
            + retention.retainFinished() + " ago");
      }
      // After the sessions, so an upload only they used goes in the same sweep.
      int deletedUploads = deleteUnusedUploadsBefore(retention.retainFinished());
      if (deletedUploads > 0) {
        logger.info("retention: deleted " + deletedUploads + " unused uploads created over "
            + retention.retainFinished() + " ago");
      }
    } catch (RuntimeException e) {
      logger.log(Level.WARNING, "retention sweep failed; the next one tries again", e);
    }
  }

  /** Cancels a QUEUED or RUNNING session and returns its state right after. */
  public Session cancel(String sessionId, Principal caller) {
    get(sessionId, caller); // NOT_FOUND for an unknown or invisible session
    TrainingSession session = live.get(sessionId);
    if (session == null) {
      throw new IllegalTransitionException(
          "session '" + sessionId + "' has finished; only QUEUED or RUNNING sessions can be cancelled");
    }
    scheduler.cancel(session);
    return snapshot(session);
  }

  /**
   * Queues an INTERRUPTED session again; it goes on from its last checkpoint, or trains from scratch
   * without one. IllegalTransitionException in any other state.
   */
  public Session resume(String sessionId, Principal caller) throws IOException {
    return resume(sessionId, Optional.empty(), caller);
  }

  /**
   * As {@link #resume(String, Principal)}, on {@code device} (a device request, as SessionConfig.device
   * takes it) where present: the session's config keeps it. IllegalArgumentException when no slot serves it.
   */
  public Session resume(String sessionId, Optional<String> device, Principal caller) throws IOException {
    Session stored = get(sessionId, caller);
    TrainingSession ended = live.get(sessionId);
    if (ended != null && ended.hasUnstoredState()) {
      storage.check("resumed sessions", 0);
      ended.storeInterruption(); // the store takes writes again: record the state it resumes from
    }
    if (stored.getState() != SessionState.SESSION_STATE_INTERRUPTED) {
      throw new IllegalTransitionException(
          "session '" + sessionId + "' is " + stored.getState().name().substring(14)
              + "; only INTERRUPTED sessions can be resumed");
    }
    storage.check("resumed sessions", 0);
    ResolvedSession resolved = resolver.resolve(
        device.map(d -> stored.getConfig().toBuilder().setDevice(d).build()).orElse(stored.getConfig()));
    synchronized (this) { // two resumes of one session must not both queue it
      Session current = store.find(sessionId).orElseThrow();
      if (current.getState() != SessionState.SESSION_STATE_INTERRUPTED) {
        throw new IllegalTransitionException(
            "session '" + sessionId + "' was resumed already");
      }
      long eventCount = store.eventCount(sessionId);
      ResumePoint from = resumePoint(sessionId, eventCount);
      TrainingSession session =
          scheduler.submit(current.getOwner(), () -> track(TrainingSession.resume(
              current, eventCount, from.epoch(), from.supersededAfter(), resolved, store, clock)));
      return snapshot(session);
    }
  }

  /** The event log of a session {@code caller} can see, live or stored by an earlier process. */
  public EventLog events(String sessionId, Principal caller) {
    Session found = get(sessionId, caller);
    TrainingSession session = live.get(sessionId);
    if (session != null) {
      return session.events();
    }
    // Stored sessions that are not live have ended: their logs are complete.
    return new EventLog(sessionId, store, clock, store.eventCount(sessionId),
        found.getState() != SessionState.SESSION_STATE_QUEUED
            && found.getState() != SessionState.SESSION_STATE_RUNNING);
  }

  /** True while a QUEUED or RUNNING session trains on {@code datasetName}. */
  public boolean usesDataset(String datasetName) {
    return live.values().stream()
        .anyMatch(s -> !TelemetryEvents.isTerminal(s.state())
            && s.resolved().experiment().dataset().name().equals(datasetName));
  }

  /** The number of sessions in each state, over all users. */
  public Map<SessionState, Integer> countByState() {
    Map<SessionState, Integer> counts = new EnumMap<>(SessionState.class);
    for (Session session : list(new Principal("metrics", true))) {
      counts.merge(session.getState(), 1, Integer::sum);
    }
    return counts;
  }

  /** Sessions waiting for the trainer. */
  public int queueLength() {
    return scheduler.queueLength();
  }

  /** The running sessions' training throughput at their last step reports, summed; 0 when none runs. */
  public double trainingImagesPerSecond() {
    return scheduler.running().stream().mapToDouble(TrainingSession::imagesPerSecond).sum();
  }

  /**
   * {@code config} resolved as CreateSession would resolve it, nothing queued: the server's defaults for
   * what it leaves unset. INVALID_ARGUMENT's IllegalArgumentException as CreateSession's.
   */
  public SessionConfig resolve(SessionConfig config) throws IOException {
    return resolver.resolve(config).config();
  }

  /**
   * The device slots, each with the session training on it as far as {@code caller} may see it, how many
   * sessions wait for them (every user's), and the server's session defaults.
   */
  public ListDevicesResponse listDevices(Principal caller) {
    ListDevicesResponse.Builder response =
        ListDevicesResponse.newBuilder()
            .setIsolation(scheduler.isolation())
            .setSessionDefaults(resolver.defaults())
            .setQueuedSessions(scheduler.queueLength())
            .addAllSlots(slots(caller));
    return response.build();
  }

  /**
   * The device slots, in configuration order, each with the session training on it as far as {@code
   * caller} may see it and the memory of the process training there.
   */
  public List<DeviceSlot> slots(Principal caller) {
    List<DeviceSlot> slots = new ArrayList<>();
    for (SlotSpec slot : scheduler.slots()) {
      TrainingSession session = scheduler.runningOn(slot);
      SlotSpec asRun = scheduler.asRun(slot);
      DeviceSlot.Builder listed =
          DeviceSlot.newBuilder()
              .setName(slot.name())
              .setDevice(asRun.device())
              .setThreads(asRun.threads())
              .setBusy(session != null)
              .setWorkerPid(scheduler.workerPid(slot));
      if (session != null && (caller.admin() || caller.user().equals(session.owner()))) {
        listed.setSessionId(session.id());
      }
      if (session != null) {
        SlotMemory memory = scheduler.memory(slot, session);
        listed.setResidentBytes(memory.residentBytes())
            .setGpuMemoryUsedBytes(memory.gpuUsedBytes())
            .setGpuMemoryTotalBytes(memory.gpuTotalBytes());
      }
      slots.add(listed.build());
    }
    return slots;
  }

  /**
   * Queues a session whose worker died again, from its checkpoint, when {@code --resume-interrupted} is
   * auto and it has not lost more workers than allowed; it stays INTERRUPTED otherwise.
   */
  private void resumeAfterWorkerLoss(TrainingSession lost) {
    String id = lost.id();
    int losses = workerLosses.merge(id, 1, Integer::sum);
    if (resumeInterrupted != ResumeInterrupted.AUTO || losses > maxWorkerLosses) {
      logger.warning("session " + id + " stays INTERRUPTED after losing its worker (" + losses
          + " times; --resume-interrupted " + resumeInterrupted + ")");
      return;
    }
    try {
      synchronized (this) {
        Session current = store.find(id).orElseThrow();
        if (current.getState() != SessionState.SESSION_STATE_INTERRUPTED) {
          return;
        }
        long eventCount = store.eventCount(id);
        ResumePoint from = resumePoint(id, eventCount);
        scheduler.restore(() -> track(TrainingSession.resume(
            current, eventCount, from.epoch(), from.supersededAfter(), lost.resolved(), store, clock)));
      }
    } catch (RuntimeException e) {
      logger.log(Level.WARNING, "session " + id + " could not be queued again after losing its worker", e);
    }
  }

  private TrainingSession track(TrainingSession session) {
    live.put(session.id(), session);
    return session;
  }

  private Session snapshot(TrainingSession session) {
    return session.snapshot(scheduler.positionOf(session));
  }

  /** Stops the trainer; running and queued sessions end INTERRUPTED. */
  @Override
  public void close() throws InterruptedException {
    prober.shutdownNow();
    scheduler.close(Duration.ofSeconds(30));
  }
}
