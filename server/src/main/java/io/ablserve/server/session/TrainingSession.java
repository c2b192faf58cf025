package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import io.ablserve.server.store.SessionStore;
import io.ablserve.server.store.StoreException;
import io.ablserve.server.train.BackdoorCheckReport;
import io.ablserve.server.train.EpochReport;
import io.ablserve.server.train.FilterReport;
import io.ablserve.server.train.IsolationReport;
import io.ablserve.server.train.Phase;
import io.ablserve.server.train.StepReport;
import io.ablserve.server.train.TrainingListener;
import io.ablserve.server.train.TrainingOutcome;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionState;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One session's state machine: QUEUED -> RUNNING -> SUCCEEDED / FAILED / CANCELLED (or INTERRUPTED when
 * the server stops; INTERRUPTED -> QUEUED on resume, and RUNNING -> QUEUED for a session a dead process
 * left running, both going on from the last checkpoint). Every state change and training report becomes an event in its {@link EventLog}; the
 * terminal state event is always the last one. It is the training run's listener.
 */
final class TrainingSession implements TrainingListener {
  private static final Logger logger = Logger.getLogger(TrainingSession.class.getName());
  private final ResolvedSession resolved;
  private final SessionStore store;
  private final Clock clock;
  private final EventLog events;
  private final AtomicBoolean cancelRequested = new AtomicBoolean();
  /**
   * Held by every change of the session (a state transition, a training report) while it is stored, so
   * changes reach the store in the order they happen; never by readers.
   */
  private final Object transitions = new Object();
  /** Written holding {@link #transitions} and this, so a holder of either reads it safely. */
  private final Session.Builder state; // guarded by this
  /** The reason logged with the RUNNING event: how far a resumed run already got. */
  private final String startReason;

  private volatile double imagesPerSecond;

  private TrainingSession(
      Session.Builder state, ResolvedSession resolved, SessionStore store, Clock clock, EventLog events) {
    this(state, resolved, store, clock, events, "");
  }

  private TrainingSession(
      Session.Builder state,
      ResolvedSession resolved,
      SessionStore store,
      Clock clock,
      EventLog events,
      String startReason) {
    this.state = state;
    this.startReason = requireNonNull(startReason, "startReason");
    this.resolved = requireNonNull(resolved, "resolved");
    this.store = requireNonNull(store, "store");
    this.clock = requireNonNull(clock, "clock");
    this.events = events;
  }

  /** A new QUEUED session owned by {@code owner}, stored with its first event. */
  static TrainingSession create(
      String id,
      String owner,
      int priority,
      ResolvedSession resolved,
      SessionStore store,
      Clock clock) {
    Session.Builder state =
        Session.newBuilder()
            .setId(id)
            .setOwner(owner)
            .setPriority(priority)
            .setConfig(resolved.config())
            .setState(SessionState.SESSION_STATE_QUEUED)
            .setQueuePosition(-1)
            .setCreatedAt(EventLog.timestamp(clock.instant()))
            .setDevice(resolved.device().map(Device::toString).orElse(""));
    TrainingSession session =
        new TrainingSession(state, resolved, store, clock, new EventLog(id, store, clock));
    session.events.append(
        TelemetryEvents.stateChange(SessionState.SESSION_STATE_QUEUED, ""), false, state.build());
    return session;
  }

  /**
   * A session stored QUEUED by an earlier process, queued again as it was; its log goes on after the
   * {@code eventCount} events stored.
   */
  static TrainingSession restoreQueued(
      Session stored, long eventCount, ResolvedSession resolved, SessionStore store, Clock clock) {
    if (stored.getState() != SessionState.SESSION_STATE_QUEUED) {
      throw new IllegalStateException("session '" + stored.getId() + "' is not QUEUED");
    }
    return new TrainingSession(
        stored.toBuilder(), resolved, store, clock,
        new EventLog(stored.getId(), store, clock, eventCount, false));
  }

  /**
   * INTERRUPTED -> QUEUED: a stored interrupted session, to be trained again from its checkpoint after
   * epoch {@code checkpointEpoch}, or from scratch without one. Its log goes on after the INTERRUPTED
   * event with a QUEUED one; the telemetry logged after sequence {@code supersededAfter} (the last event
   * the checkpoint covers, -1 without one) is removed, as the rerun logs it again.
   */
  static TrainingSession resume(
      Session stored,
      long eventCount,
      Optional<Integer> checkpointEpoch,
      long supersededAfter,
      ResolvedSession resolved,
      SessionStore store,
      Clock clock) {
    if (stored.getState() != SessionState.SESSION_STATE_INTERRUPTED) {
      throw new IllegalTransitionException(
          "session '" + stored.getId() + "' is " + name(stored.getState())
              + "; only INTERRUPTED sessions can be resumed");
    }
    return requeue(
        stored, eventCount, checkpointEpoch, supersededAfter, "resumed", resolved, store, clock);
  }

  /**
   * RUNNING (as stored by a process that died) -> QUEUED, to go on from its checkpoint after epoch
   * {@code checkpointEpoch}, or from scratch without one. Its log goes on after the last event the dead
   * process wrote, less the telemetry after sequence {@code supersededAfter} (the last event the
   * checkpoint covers, -1 without one): a partly run epoch runs again and is logged once, by its rerun.
   */
  static TrainingSession resumeAfterRestart(
      Session stored,
      long eventCount,
      Optional<Integer> checkpointEpoch,
      long supersededAfter,
      ResolvedSession resolved,
      SessionStore store,
      Clock clock) {
    if (stored.getState() != SessionState.SESSION_STATE_RUNNING) {
      throw new IllegalStateException("session '" + stored.getId() + "' is not RUNNING");
    }
    return requeue(
        stored, eventCount, checkpointEpoch, supersededAfter,
        "server restarted while the session was running", resolved, store, clock);
  }

  private static TrainingSession requeue(
      Session stored,
      long eventCount,
      Optional<Integer> checkpointEpoch,
      long supersededAfter,
      String why,
      ResolvedSession resolved,
      SessionStore store,
      Clock clock) {
    Session.Builder state =
        stored.toBuilder()
            .setState(SessionState.SESSION_STATE_QUEUED)
            .clearStartedAt()
            .clearFinishedAt()
            .clearFailureReason()
            .clearResult()
            .setConfig(resolved.config())
            .setDevice(resolved.device().map(Device::toString).orElse(""));
    String from;
    String startReason;
    if (checkpointEpoch.isPresent()) {
      from = "training goes on from the checkpoint after epoch " + checkpointEpoch.get();
      startReason = "resumed from checkpoint after epoch " + checkpointEpoch.get();
    } else {
      state.clearPhase().clearEpoch();
      from = "training restarts from epoch 0";
      startReason = "";
    }
    TrainingSession session =
        new TrainingSession(
            state, resolved, store, clock,
            new EventLog(stored.getId(), store, clock, eventCount, false), startReason);
    session.events.append(
        TelemetryEvents.stateChange(SessionState.SESSION_STATE_QUEUED, why + "; " + from), false,
        state.build());
    // After the QUEUED event, so the log's last event, and with it its size, stays.
    try {
      store.removeSuperseded(stored.getId(), supersededAfter, eventCount);
    } catch (StoreException e) {
      // The rerun goes on; its epochs are then logged twice, as before this removal existed.
      logger.log(Level.WARNING, "superseded events of session " + stored.getId() + " not removed", e);
    }
    return session;
  }

  /**
   * QUEUED or RUNNING (as stored by a process that stopped) -> INTERRUPTED, with the state event
   * continuing the stored log. Returns the stored session after.
   */
  static Session interruptStored(
      Session stored, long eventCount, String reason, SessionStore store, Clock clock) {
    Session interrupted =
        stored.toBuilder()
            .setState(SessionState.SESSION_STATE_INTERRUPTED)
            .setQueuePosition(-1)
            .setFinishedAt(EventLog.timestamp(clock.instant()))
            .build();
    new EventLog(stored.getId(), store, clock, eventCount, false)
        .append(
            TelemetryEvents.stateChange(SessionState.SESSION_STATE_INTERRUPTED, reason), true,
            interrupted);
    return interrupted;
  }

  synchronized String id() {
    return state.getId();
  }

  synchronized String owner() {
    return state.getOwner();
  }

  /** Its queue priority, kept from creation through restarts and resumes. */
  synchronized int priority() {
    return state.getPriority();
  }

  /** Training throughput at the last step report while RUNNING; 0 otherwise. */
  double imagesPerSecond() {
    return state() == SessionState.SESSION_STATE_RUNNING ? imagesPerSecond : 0;
  }

  ResolvedSession resolved() {
    return resolved;
  }

  EventLog events() {
    return events;
  }

  /** Read by the training run between steps. */
  boolean isCancelRequested() {
    return cancelRequested.get();
  }

  /** The session as clients see it; {@code queuePosition} applies only while QUEUED. */
  synchronized Session snapshot(int queuePosition) {
    boolean queued = state.getState() == SessionState.SESSION_STATE_QUEUED;
    return state.clone().setQueuePosition(queued ? queuePosition : -1).build();
  }

  synchronized SessionState state() {
    return state.getState();
  }

  /**
   * Asks a QUEUED or RUNNING session to stop; the trainer acts on it. IllegalTransitionException once the
   * session has finished.
   */
  synchronized void requestCancel() {
    if (TelemetryEvents.isTerminal(state.getState())) {
      throw new IllegalTransitionException(
          "session '" + id() + "' is already " + name(state.getState())
              + "; only QUEUED or RUNNING sessions can be cancelled");
    }
    cancelRequested.set(true);
  }

  /** Asks the run to stop whatever the state, for a server shutting down. */
  void requestCancelQuietly() {
    cancelRequested.set(true);
  }

  /** QUEUED -> CANCELLED, for a session the scheduler took off its queue. */
  void cancelWhileQueued() {
    synchronized (transitions) {
      expect(SessionState.SESSION_STATE_QUEUED);
      cancelRequested.set(true);
      finish(SessionState.SESSION_STATE_CANCELLED, "cancelled while queued");
    }
  }

  /**
   * QUEUED -> RUNNING on slot {@code slot} and {@code device} (the engine's name); false (and CANCELLED)
   * when a cancel arrived as the trainer took the session.
   */
  boolean start(String slot, String device) {
    synchronized (transitions) {
      expect(SessionState.SESSION_STATE_QUEUED);
      if (cancelRequested.get()) {
        finish(SessionState.SESSION_STATE_CANCELLED, "cancelled before training started");
        return false;
      }
      commit(
          current()
              .setState(SessionState.SESSION_STATE_RUNNING)
              .setSlot(slot)
              .setDevice(device)
              .setStartedAt(EventLog.timestamp(clock.instant())),
          TelemetryEvents.stateChange(SessionState.SESSION_STATE_RUNNING, startReason),
          false);
      return true;
    }
  }

  /** RUNNING -> SUCCEEDED, with the final figures logged just before the state event. */
  void succeed(TrainingOutcome outcome) {
    synchronized (transitions) {
      expect(SessionState.SESSION_STATE_RUNNING);
      Session.Builder after =
          current().setResult(TelemetryEvents.result(outcome)).setEpoch(outcome.epochs());
      events.append(io.ablserve.v1.SessionEvent.newBuilder().setResult(after.getResult()), false);
      finish(after, SessionState.SESSION_STATE_SUCCEEDED, "");
    }
  }

  /** RUNNING -> FAILED. */
  void fail(String reason) {
    synchronized (transitions) {
      expect(SessionState.SESSION_STATE_RUNNING);
      finish(current().setFailureReason(reason), SessionState.SESSION_STATE_FAILED, reason);
    }
  }

  /** RUNNING -> CANCELLED, once the run has stopped. */
  void cancelled(String reason) {
    synchronized (transitions) {
      expect(SessionState.SESSION_STATE_RUNNING);
      finish(SessionState.SESSION_STATE_CANCELLED, reason);
    }
  }

  /**
   * QUEUED or RUNNING -> INTERRUPTED in memory only, for a session whose state the store could not take
   * ({@code reason} says why): its watchers see the end now, and {@link #storeInterruption} stores it
   * once the store can be written. Until then the store still holds the session as it was before, which
   * a restart treats as a process that died: queued again from its checkpoint, or INTERRUPTED. Either way
   * the session goes on from its last checkpoint, as INTERRUPTED promises. No-op once finished.
   */
  void interruptUnstored(String reason) {
    synchronized (transitions) {
      if (isFinished()) {
        return;
      }
      synchronized (this) {
        state.setState(SessionState.SESSION_STATE_INTERRUPTED)
            .setFinishedAt(EventLog.timestamp(clock.instant()))
            .clearResult()
            .clearFailureReason();
      }
      events.endUnstored(TelemetryEvents.stateChange(SessionState.SESSION_STATE_INTERRUPTED, reason));
    }
  }

  /** True while an INTERRUPTED state of {@link #interruptUnstored} waits to be stored. */
  boolean hasUnstoredState() {
    return events.hasUnstoredEnd();
  }

  /** Stores the INTERRUPTED state of {@link #interruptUnstored}, if still unstored; StoreException if not. */
  void storeInterruption() {
    synchronized (transitions) {
      events.storeEnd(current().build());
    }
  }

  /** QUEUED or RUNNING -> INTERRUPTED, when the server stops; no-op for a finished session. */
  void interrupt(String reason) {
    synchronized (transitions) {
      if (!TelemetryEvents.isTerminal(state.getState())) {
        finish(SessionState.SESSION_STATE_INTERRUPTED, reason);
      }
    }
  }

  @Override
  public void onPhase(Phase phase, int epoch) {
    synchronized (transitions) {
      if (isFinished()) {
        return; // a run still reporting after the server interrupted its session
      }
      Session after;
      synchronized (this) {
        after = state.setPhase(TelemetryEvents.phase(phase)).setEpoch(epoch).build();
      }
      store.put(after);
      events.append(TelemetryEvents.phaseChange(phase, epoch), false);
    }
  }

  @Override
  public void onStep(StepReport report) {
    synchronized (transitions) {
      if (isFinished()) {
        return; // a run still reporting after the server interrupted its session
      }
      if (report.epoch() != state.getEpoch()) {
        Session after;
        synchronized (this) {
          after = state.setEpoch(report.epoch()).build();
        }
        store.put(after);
      }
      imagesPerSecond = report.imagesPerSecond();
      events.append(TelemetryEvents.step(report), false);
    }
  }

  @Override
  public void onEpoch(EpochReport report) {
    appendUnlessFinished(TelemetryEvents.epoch(report));
  }

  @Override
  public void onIsolation(IsolationReport report) {
    appendUnlessFinished(TelemetryEvents.isolation(report));
  }

  @Override
  public void onFilter(FilterReport report) {
    appendUnlessFinished(TelemetryEvents.filter(report));
  }

  @Override
  public void onBackdoorCheck(BackdoorCheckReport report) {
    appendUnlessFinished(TelemetryEvents.check(report));
  }

  /** Logs a run's report, unless the run still reports after the server interrupted its session. */
  private void appendUnlessFinished(io.ablserve.v1.SessionEvent.Builder event) {
    synchronized (transitions) {
      if (!isFinished()) {
        events.append(event, false);
      }
    }
  }

  /** A copy of the session to change; builders are not safe to copy while a reader copies them too. */
  private synchronized Session.Builder current() {
    return state.clone();
  }

  private boolean isFinished() {
    return TelemetryEvents.isTerminal(state.getState());
  }

  private void finish(SessionState terminal, String reason) {
    finish(current(), terminal, reason);
  }

  private void finish(Session.Builder after, SessionState terminal, String reason) {
    commit(
        after.setState(terminal).setFinishedAt(EventLog.timestamp(clock.instant())),
        TelemetryEvents.stateChange(terminal, reason),
        true);
  }

  /**
   * Stores the session as {@code after} with its state-change {@code event}, then takes it on in memory:
   * a StoreException leaves the session, in memory and in the store, as it was. Called holding {@link
   * #transitions}, not this: readers (a gRPC call's snapshot) never wait for the store's writer.
   */
  private void commit(Session.Builder after, io.ablserve.v1.SessionEvent.Builder event, boolean last) {
    Session next = after.build();
    events.append(event, last, next, () -> {
      synchronized (this) {
        state.clear().mergeFrom(next);
      }
    });
  }

  private void expect(SessionState expected) {
    if (state.getState() != expected) {
      throw new IllegalStateException(
          "session '" + id() + "' is " + name(state.getState()) + ", expected " + name(expected));
    }
  }

  private static String name(SessionState state) {
    return state.name().substring("SESSION_STATE_".length());
  }
}
