package io.ablserve.client;

import io.ablserve.v1.CancelSessionRequest;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.EpochSummary;
import io.ablserve.v1.FilterResult;
import io.ablserve.v1.FinalResult;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.IsolationResult;
import io.ablserve.v1.ListSessionsRequest;
import io.ablserve.v1.ListSessionsResponse;
import io.ablserve.v1.Phase;
import io.ablserve.v1.PhaseChange;
import io.ablserve.v1.ResumeSessionRequest;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.StateChange;
import io.ablserve.v1.StepMetrics;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A stand-in for the server: records every request (and the deadline it arrived with) and answers from
 * scripted sessions and events. Session {@value #HANGING} never answers; watching {@value #LIVE}, or a
 * session created after {@code endCreatedSessionsAs(RUNNING)}, sends its events and then stays open
 * until the client cancels.
 */
public final class ScriptedSessionService extends SessionServiceGrpc.SessionServiceImplBase {
  public static final String HANGING = "hang";
  public static final String LIVE = "live";

  public static final FinalResult RESULT = FinalResult.newBuilder()
      .setCleanAccuracy(0.9123).setAttackSuccessRate(0.0041)
      .setIsolationPrecision(0.985).setIsolationRecall(0.0985)
      .setEpochs(3).setElapsedMs(83_400).build();

  public final List<CreateSessionRequest> creates = new CopyOnWriteArrayList<>();
  public final List<WatchSessionRequest> watches = new CopyOnWriteArrayList<>();
  public final List<CancelSessionRequest> cancels = new CopyOnWriteArrayList<>();
  public final List<ResumeSessionRequest> resumes = new CopyOnWriteArrayList<>();
  /** The deadline each call arrived with, by method name; an absent deadline is recorded as null. */
  public final List<Map.Entry<String, Deadline>> deadlines = new CopyOnWriteArrayList<>();
  public final CountDownLatch liveWatchOpened = new CountDownLatch(1);
  public final CountDownLatch liveWatchCancelled = new CountDownLatch(1);

  private final Map<String, Session> sessions = new LinkedHashMap<>();
  private final Map<String, List<SessionEvent>> events = new ConcurrentHashMap<>();
  private final Set<String> live = ConcurrentHashMap.newKeySet();
  /** How sessions created from now on end. */
  private volatile SessionState outcome = SessionState.SESSION_STATE_SUCCEEDED;

  public synchronized void addSession(Session session, List<SessionEvent> script) {
    sessions.put(session.getId(), session);
    events.put(session.getId(), script);
  }

  public void endCreatedSessionsAs(SessionState state) {
    outcome = state;
  }

  @Override
  public void createSession(CreateSessionRequest request, StreamObserver<Session> response) {
    record("CreateSession");
    creates.add(request);
    var resolved = request.getConfig().toBuilder();
    if (!resolved.getAbl().hasEpochs()) {
      resolved.getAblBuilder().setEpochs(3);
    }
    if (!resolved.getAbl().hasIsolationEpochs()) {
      resolved.getAblBuilder().setIsolationEpochs(2);
    }
    Session session;
    synchronized (this) {
      session = Session.newBuilder()
          .setId("s-" + (sessions.size() + 1))
          .setConfig(resolved)
          .setState(SessionState.SESSION_STATE_QUEUED)
          .setQueuePosition(0)
          .build();
      Session finished = session.toBuilder().setState(outcome).setQueuePosition(-1).build();
      if (outcome == SessionState.SESSION_STATE_RUNNING) {
        live.add(finished.getId());
      }
      addSession(outcome == SessionState.SESSION_STATE_SUCCEEDED
          ? finished.toBuilder().setResult(RESULT).build() : finished, trainingScript(outcome));
    }
    response.onNext(session);
    response.onCompleted();
  }

  @Override
  public void getSession(GetSessionRequest request, StreamObserver<Session> response) {
    record("GetSession");
    if (request.getSessionId().equals(HANGING)) {
      return;
    }
    Session session = find(request.getSessionId(), response);
    if (session != null) {
      response.onNext(session);
      response.onCompleted();
    }
  }

  @Override
  public synchronized void listSessions(
      ListSessionsRequest request, StreamObserver<ListSessionsResponse> response) {
    record("ListSessions");
    List<Session> newestFirst = new ArrayList<>(sessions.values());
    Collections.reverse(newestFirst);
    response.onNext(ListSessionsResponse.newBuilder().addAllSessions(newestFirst).build());
    response.onCompleted();
  }

  @Override
  public void cancelSession(CancelSessionRequest request, StreamObserver<Session> response) {
    record("CancelSession");
    cancels.add(request);
    Session session = find(request.getSessionId(), response);
    if (session == null) {
      return;
    }
    if (session.getState() != SessionState.SESSION_STATE_RUNNING
        && session.getState() != SessionState.SESSION_STATE_QUEUED) {
      response.onError(Status.FAILED_PRECONDITION
          .withDescription("session " + session.getId() + " has already finished")
          .asRuntimeException());
      return;
    }
    // As the real server does: a queued session is cancelled at once; a running one answers RUNNING
    // and reads CANCELLED once its trainer has stopped (here, from the next GetSession on).
    Session cancelled = session.toBuilder().setState(SessionState.SESSION_STATE_CANCELLED).build();
    synchronized (this) {
      sessions.put(session.getId(), cancelled);
    }
    response.onNext(session.getState() == SessionState.SESSION_STATE_RUNNING ? session : cancelled);
    response.onCompleted();
  }

  /** As the real server: an INTERRUPTED session is QUEUED again, on the request's device where it names one. */
  @Override
  public void resumeSession(ResumeSessionRequest request, StreamObserver<Session> response) {
    record("ResumeSession");
    resumes.add(request);
    Session session = find(request.getSessionId(), response);
    if (session == null) {
      return;
    }
    if (session.getState() != SessionState.SESSION_STATE_INTERRUPTED) {
      response.onError(Status.FAILED_PRECONDITION
          .withDescription("session '" + session.getId() + "' is " + session.getState().name().substring(14)
              + "; only INTERRUPTED sessions can be resumed")
          .asRuntimeException());
      return;
    }
    Session.Builder queued = session.toBuilder().setState(SessionState.SESSION_STATE_QUEUED).setQueuePosition(0);
    if (request.hasDevice()) {
      queued.getConfigBuilder().setDevice(request.getDevice());
    }
    synchronized (this) {
      sessions.put(session.getId(), queued.build());
    }
    response.onNext(queued.build());
    response.onCompleted();
  }

  @Override
  public void watchSession(WatchSessionRequest request, StreamObserver<SessionEvent> response) {
    record("WatchSession");
    watches.add(request);
    String id = request.getSessionId();
    if (id.equals(LIVE)) {
      ServerCallStreamObserver<SessionEvent> call = (ServerCallStreamObserver<SessionEvent>) response;
      call.setOnCancelHandler(liveWatchCancelled::countDown);
      call.onNext(state(0, SessionState.SESSION_STATE_RUNNING, ""));
      liveWatchOpened.countDown();
      return;
    }
    if (find(id, response) == null) {
      return;
    }
    if (live.contains(id)) {
      ((ServerCallStreamObserver<SessionEvent>) response).setOnCancelHandler(
          liveWatchCancelled::countDown);
    }
    for (SessionEvent event : events.get(id)) {
      if (event.getSequence() >= request.getFromSequence()) {
        response.onNext(event);
      }
    }
    if (live.contains(id)) {
      liveWatchOpened.countDown();
    } else {
      response.onCompleted();
    }
  }

  private synchronized Session find(String id, StreamObserver<?> response) {
    Session session = sessions.get(id);
    if (session == null) {
      response.onError(Status.NOT_FOUND
          .withDescription("session " + id + " not found").asRuntimeException());
    }
    return session;
  }

  private void record(String method) {
    deadlines.add(new SimpleEntry<>(method, Context.current().getDeadline()));
  }

  /**
   * Three epochs: two of isolation, the ranking, one of unlearning and the suspect filtering after it,
   * then the given end; a RUNNING end stops after the ranking.
   */
  public static List<SessionEvent> trainingScript(SessionState end) {
    List<SessionEvent> script = new ArrayList<>();
    script.add(state(0, SessionState.SESSION_STATE_QUEUED, ""));
    script.add(state(1, SessionState.SESSION_STATE_RUNNING, ""));
    script.add(event(2).setPhase(PhaseChange.newBuilder().setPhase(Phase.PHASE_ISOLATION)).build());
    script.add(event(3).setStep(StepMetrics.newBuilder()
        .setPhase(Phase.PHASE_ISOLATION).setStep(10).setBatchLoss(0.75)).build());
    script.add(event(4).setEpoch(epoch(0, Phase.PHASE_ISOLATION, 0.80, 0.97)).build());
    script.add(event(5).setEpoch(epoch(1, Phase.PHASE_ISOLATION, 0.86, 0.99)).build());
    script.add(event(6).setIsolation(IsolationResult.newBuilder()
        .setEpoch(1).addAllIndices(List.of(7, 3, 9)).addAllPoisoned(List.of(true, true, false))
        .setPrecision(2.0 / 3).setRecall(0.5).setTrainSize(100).setTrainPoisonedCount(4)).build());
    if (end == SessionState.SESSION_STATE_RUNNING) {
      return script;
    }
    if (end != SessionState.SESSION_STATE_SUCCEEDED) {
      script.add(state(7, end, "out of memory"));
      return script;
    }
    script.add(event(7).setPhase(
        PhaseChange.newBuilder().setPhase(Phase.PHASE_UNLEARNING).setEpoch(2)).build());
    script.add(event(8).setEpoch(epoch(2, Phase.PHASE_UNLEARNING, 0.9123, 0.0041)).build());
    script.add(event(9).setFilter(FilterResult.newBuilder()
        .setEpoch(2).setRemovedCount(1095).setPrecision(0.49).setRecall(0.989).setKeptSize(4845))
        .build());
    script.add(event(10).setResult(RESULT).build());
    script.add(state(11, SessionState.SESSION_STATE_SUCCEEDED, ""));
    return script;
  }

  public static EpochSummary epoch(int epoch, Phase phase, double ca, double asr) {
    return EpochSummary.newBuilder().setEpoch(epoch).setPhase(phase)
        .setCleanAccuracy(ca).setAttackSuccessRate(asr)
        .setMeanLossPoisoned(0.0012).setMeanLossClean(0.3456)
        .setIsolationPrecision(0.98).setIsolationRecall(0.098).setTrainElapsedMs(12_300).build();
  }

  public static SessionEvent state(long sequence, SessionState state, String reason) {
    return event(sequence).setState(StateChange.newBuilder().setState(state).setReason(reason)).build();
  }

  public static SessionEvent.Builder event(long sequence) {
    return SessionEvent.newBuilder().setSequence(sequence);
  }
}
