package io.ablserve.server.api;

import static io.ablserve.server.api.ApiCalls.sessionId;
import static io.ablserve.server.auth.AuthInterceptor.caller;
import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.ablserve.server.auth.Principal;
import io.ablserve.server.config.ApiPolicy;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.session.EventLog;
import io.ablserve.server.session.SessionManager;
import io.ablserve.v1.CancelSessionRequest;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.DeleteSessionRequest;
import io.ablserve.v1.DeleteSessionResponse;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.ListDevicesRequest;
import io.ablserve.v1.ListDevicesResponse;
import io.ablserve.v1.ListSessionsRequest;
import io.ablserve.v1.ListSessionsResponse;
import io.ablserve.v1.ResumeSessionRequest;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** The v1 SessionService over a {@link SessionManager}; the proto comments are its reference. */
public final class SessionServiceImpl extends SessionServiceGrpc.SessionServiceImplBase {
  static final int WATCH_THREADS = 2;

  private final SessionManager sessions;
  private final Executor watchExecutor;
  private final WatchCounter watchers;
  private final ScheduledExecutorService stallTimer;
  private final Duration stallTimeout;
  private final ApiPolicy policy;

  @Inject
  public SessionServiceImpl(SessionManager sessions, WatchCounter watchers, ServerConfig config) {
    // Drains are short and never block, so two threads serve every watcher in turn: an event appended
    // while fifty watch wakes two threads rather than fifty, each of which would preempt a training
    // thread (bench/RESULTS.md, watchers). Daemon threads: the pool needs no shutdown.
    this(
        sessions,
        Executors.newFixedThreadPool(
            WATCH_THREADS,
            new ThreadFactoryBuilder().setDaemon(true).setNameFormat("ablserve-watch-%d").build()),
        watchers,
        // Stall checks only signal a watch; its drain, on the pool above, decides.
        Executors.newSingleThreadScheduledExecutor(
            new ThreadFactoryBuilder().setDaemon(true).setNameFormat("ablserve-watch-stall").build()),
        config.limits().watchStallTimeout(),
        config.api());
  }

  SessionServiceImpl(
      SessionManager sessions,
      Executor watchExecutor,
      WatchCounter watchers,
      ScheduledExecutorService stallTimer,
      Duration stallTimeout,
      ApiPolicy policy) {
    this.policy = requireNonNull(policy, "policy");
    this.sessions = requireNonNull(sessions, "sessions");
    this.watchExecutor = requireNonNull(watchExecutor, "watchExecutor");
    this.watchers = requireNonNull(watchers, "watchers");
    this.stallTimer = requireNonNull(stallTimer, "stallTimer");
    this.stallTimeout = requireNonNull(stallTimeout, "stallTimeout");
  }

  @Override
  public void createSession(CreateSessionRequest request, StreamObserver<Session> observer) {
    ApiCalls.unary(
        observer,
        () -> {
          UnknownFields.reject(request.getConfig(), "config");
          return sessions.create(
              request.getConfig(), request.getPriority(), request.getRequestId(), caller());
        });
  }

  @Override
  public void getSession(GetSessionRequest request, StreamObserver<Session> observer) {
    ApiCalls.unary(observer, () -> sessions.get(sessionId(request.getSessionId()), caller()));
  }

  @Override
  public void listSessions(
      ListSessionsRequest request, StreamObserver<ListSessionsResponse> observer) {
    ApiCalls.unary(
        observer,
        () -> {
          Paging.Page<Session> page =
              page(sessions, policy, request.getPageSize(), request.getPageToken());
          return ListSessionsResponse.newBuilder()
              .addAllSessions(page.items())
              .setNextPageToken(page.nextPageToken())
              .build();
        });
  }

  /** A page of the sessions the caller sees, newest first: ListSessions in either API version. */
  static Paging.Page<Session> page(
      SessionManager sessions, ApiPolicy policy, int pageSize, String pageToken) {
    Principal caller = caller();
    return Paging.page(
        policy, pageSize, pageToken, (beforeKey, limit) -> sessions.listPage(caller, beforeKey, limit));
  }

  @Override
  public void listDevices(
      ListDevicesRequest request, StreamObserver<ListDevicesResponse> observer) {
    ApiCalls.unary(observer, () -> sessions.listDevices(caller()));
  }

  @Override
  public void deleteSession(
      DeleteSessionRequest request, StreamObserver<DeleteSessionResponse> observer) {
    ApiCalls.unary(
        observer,
        () -> {
          sessions.delete(sessionId(request.getSessionId()), caller());
          return DeleteSessionResponse.getDefaultInstance();
        });
  }

  @Override
  public void cancelSession(CancelSessionRequest request, StreamObserver<Session> observer) {
    ApiCalls.unary(observer, () -> sessions.cancel(sessionId(request.getSessionId()), caller()));
  }

  @Override
  public void resumeSession(ResumeSessionRequest request, StreamObserver<Session> observer) {
    ApiCalls.unary(observer, () -> sessions.resume(
        sessionId(request.getSessionId()),
        request.hasDevice() ? Optional.of(request.getDevice()) : Optional.empty(), caller()));
  }

  @Override
  public void watchSession(WatchSessionRequest request, StreamObserver<SessionEvent> observer) {
    EventLog log;
    try {
      if (request.getFromSequence() < 0) {
        throw new IllegalArgumentException(
            "from_sequence must be >= 0, got " + request.getFromSequence());
      }
      log = sessions.events(sessionId(request.getSessionId()), caller());
    } catch (RuntimeException e) {
      observer.onError(ApiCalls.toStatus(e));
      return;
    }
    long next = log.size();
    if (request.getFromSequence() > next) {
      // Sequences are assigned in order, so a cursor a client got from this log is at most its size: one
      // beyond it is a client's mistake, which waiting would hide (the stream would hold, silent, for good
      // on a finished session, and until unrelated events on a running one).
      observer.onError(
          Status.OUT_OF_RANGE
              .withDescription(
                  "from_sequence must be in [0, " + next + "], got " + request.getFromSequence()
                      + ": the session's last event is sequence " + (next - 1)
                      + (log.isFinished() ? " and the log is complete" : ""))
              .asRuntimeException());
      return;
    }
    SessionWatch.start(
        log,
        (ServerCallStreamObserver<SessionEvent>) observer,
        watchExecutor,
        watchers,
        stallTimer,
        stallTimeout,
        request.getFromSequence(),
        request.getFollow());
  }
}
