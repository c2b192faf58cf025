package io.ablserve.server.api;

import static io.ablserve.server.api.ApiCalls.sessionId;
import static io.ablserve.server.auth.AuthInterceptor.caller;
import static java.util.Objects.requireNonNull;

import io.ablserve.server.config.ApiPolicy;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.session.SessionManager;
import io.ablserve.v2.CancelSessionRequest;
import io.ablserve.v2.CreateSessionRequest;
import io.ablserve.v2.GetSessionDefaultsRequest;
import io.ablserve.v2.GetSessionRequest;
import io.ablserve.v2.ListSessionsRequest;
import io.ablserve.v2.ListSessionsResponse;
import io.ablserve.v2.ResumeSessionRequest;
import io.ablserve.v2.Session;
import io.ablserve.v2.SessionConfig;
import io.ablserve.v2.SessionServiceGrpc;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Inject;
import java.util.Optional;

/**
 * The v2 SessionService: the v1 calls that carry a config, over the same {@link SessionManager}, their
 * configs translated ({@link V2Translation}); the proto comments are its reference.
 */
public final class SessionServiceV2Impl extends SessionServiceGrpc.SessionServiceImplBase {
  private final SessionManager sessions;
  private final ApiPolicy policy;

  @Inject
  public SessionServiceV2Impl(SessionManager sessions, ServerConfig config) {
    this.sessions = requireNonNull(sessions, "sessions");
    this.policy = config.api();
  }

  @Override
  public void createSession(CreateSessionRequest request, StreamObserver<Session> observer) {
    ApiCalls.unary(
        observer,
        () -> {
          UnknownFields.reject(request.getConfig(), "config");
          return V2Translation.fromV1(
              sessions.create(
                  V2Translation.toV1(request.getConfig()), request.getPriority(),
                  request.getRequestId(), caller()));
        });
  }

  @Override
  public void getSession(GetSessionRequest request, StreamObserver<Session> observer) {
    ApiCalls.unary(
        observer,
        () -> V2Translation.fromV1(sessions.get(sessionId(request.getSessionId()), caller())));
  }

  @Override
  public void listSessions(
      ListSessionsRequest request, StreamObserver<ListSessionsResponse> observer) {
    ApiCalls.unary(
        observer,
        () -> {
          Paging.Page<io.ablserve.v1.Session> page =
              SessionServiceImpl.page(sessions, policy, request.getPageSize(), request.getPageToken());
          ListSessionsResponse.Builder response =
              ListSessionsResponse.newBuilder().setNextPageToken(page.nextPageToken());
          page.items().forEach(session -> response.addSessions(V2Translation.fromV1(session)));
          return response.build();
        });
  }

  @Override
  public void cancelSession(CancelSessionRequest request, StreamObserver<Session> observer) {
    ApiCalls.unary(
        observer,
        () -> V2Translation.fromV1(sessions.cancel(sessionId(request.getSessionId()), caller())));
  }

  @Override
  public void resumeSession(ResumeSessionRequest request, StreamObserver<Session> observer) {
    ApiCalls.unary(
        observer,
        () -> V2Translation.fromV1(sessions.resume(
            sessionId(request.getSessionId()),
            request.hasDevice() ? Optional.of(request.getDevice()) : Optional.empty(), caller())));
  }

  @Override
  public void getSessionDefaults(
      GetSessionDefaultsRequest request, StreamObserver<SessionConfig> observer) {
    ApiCalls.unary(
        observer,
        () -> {
          SessionConfig empty =
              request.getDefense().isEmpty()
                  ? SessionConfig.getDefaultInstance()
                  : V2Translation.withDefense(V2Translation.defenseCase(request.getDefense()));
          return V2Translation.fromV1(sessions.resolve(V2Translation.toV1(empty)));
        });
  }
}
