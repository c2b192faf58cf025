package io.ablserve.client;

import static java.util.Objects.requireNonNull;

import io.ablserve.v1.CancelSessionRequest;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.ListSessionsRequest;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionServiceGrpc.SessionServiceBlockingStub;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A blocking client of the ablserve {@code SessionService}. Every unary call carries the per-call
 * deadline given at construction; {@link #watch} carries none, since it follows a training run, and is
 * stopped by closing the returned stream instead.
 *
 * <p>Every failed call throws {@link AblClientException} with the gRPC status code and the server's
 * description; no {@code StatusRuntimeException} escapes.
 */
public final class AblClient implements AutoCloseable {
  /** Deadline of unary calls made by a client from {@link #forAddress(String)}. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

  private final SessionServiceBlockingStub stub;
  private final Duration deadline;
  private final ManagedChannel ownedChannel;

  /** A client on a channel the caller owns and closes. */
  public AblClient(Channel channel, Duration deadline) {
    this(channel, deadline, null);
  }

  private AblClient(Channel channel, Duration deadline, ManagedChannel ownedChannel) {
    requireNonNull(channel, "channel");
    requireNonNull(deadline, "deadline");
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive, got " + deadline);
    }
    this.stub = SessionServiceGrpc.newBlockingStub(channel);
    this.deadline = deadline;
    this.ownedChannel = ownedChannel;
  }

  /** A client on a new plaintext channel to {@code host:port}, closed by {@link #close()}. */
  public static AblClient forAddress(String address) {
    return forAddress(address, DEFAULT_DEADLINE);
  }

  /** A client on a new plaintext channel to {@code host:port}, closed by {@link #close()}. */
  public static AblClient forAddress(String address, Duration deadline) {
    requireNonNull(address, "address");
    if (address.isBlank()) {
      throw new IllegalArgumentException("address must be host:port, got an empty string");
    }
    ManagedChannel channel =
        Grpc.newChannelBuilder(address, InsecureChannelCredentials.create()).build();
    return new AblClient(channel, deadline, channel);
  }

  /** Queues a new session; the returned session's config has every default resolved. */
  public Session createSession(SessionConfig config) {
    CreateSessionRequest request = CreateSessionRequest.newBuilder().setConfig(config).build();
    return unary(s -> s.createSession(request));
  }

  public Session getSession(String sessionId) {
    GetSessionRequest request = GetSessionRequest.newBuilder().setSessionId(sessionId).build();
    return unary(s -> s.getSession(request));
  }

  /** All sessions, newest first. */
  public List<Session> listSessions() {
    return unary(s -> s.listSessions(ListSessionsRequest.getDefaultInstance())).getSessionsList();
  }

  /** Cancels a queued or running session; {@code FAILED_PRECONDITION} once it has finished. */
  public Session cancelSession(String sessionId) {
    CancelSessionRequest request = CancelSessionRequest.newBuilder().setSessionId(sessionId).build();
    return unary(s -> s.cancelSession(request));
  }

  /**
   * Streams a session's events from {@code fromSequence}; with {@code follow}, live events until the
   * session ends. Close the stream to stop early.
   */
  public SessionEventStream watch(String sessionId, long fromSequence, boolean follow) {
    WatchSessionRequest request =
        WatchSessionRequest.newBuilder()
            .setSessionId(sessionId)
            .setFromSequence(fromSequence)
            .setFollow(follow)
            .build();
    // The blocking stub binds the call to the context current when it starts, so cancelling this
    // context is how another thread (a shutdown hook, a UI) stops a stream blocked in hasNext().
    Context.CancellableContext context = Context.current().withCancellation();
    Context previous = context.attach();
    try {
      Iterator<SessionEvent> events = stub.watchSession(request);
      return new SessionEventStream(context, events);
    } catch (StatusRuntimeException e) {
      context.cancel(e);
      throw AblClientException.from(e);
    } finally {
      context.detach(previous);
    }
  }

  /** The deadline applied to each unary call. */
  public Duration deadline() {
    return deadline;
  }

  /** Shuts down the channel if this client created it; otherwise does nothing. */
  @Override
  public void close() {
    if (ownedChannel == null) {
      return;
    }
    ownedChannel.shutdown();
    try {
      if (!ownedChannel.awaitTermination(5, TimeUnit.SECONDS)) {
        ownedChannel.shutdownNow();
      }
    } catch (InterruptedException e) {
      ownedChannel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private <T> T unary(Function<SessionServiceBlockingStub, T> call) {
    try {
      return call.apply(stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS));
    } catch (StatusRuntimeException e) {
      throw AblClientException.from(e);
    }
  }
}
