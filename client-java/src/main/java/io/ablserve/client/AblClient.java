package io.ablserve.client;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.JsonFormat;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.CancelSessionRequest;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.EvaluateRequest;
import io.ablserve.v1.EvaluateResponse;
import io.ablserve.v1.ExportModelChunk;
import io.ablserve.v1.ExportModelRequest;
import io.ablserve.v1.GetIsolationRequest;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.IsolationResult;
import io.ablserve.v1.ListSessionsRequest;
import io.ablserve.v1.ModelMetadata;
import io.ablserve.v1.ResultsServiceGrpc;
import io.ablserve.v1.ResultsServiceGrpc.ResultsServiceBlockingStub;
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
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A blocking client of the ablserve {@code SessionService} and {@code ResultsService}. Every unary call
 * and every model export carries the per-call
 * deadline given at construction; {@link #watch} carries none, since it follows a training run, and is
 * stopped by closing the returned stream instead.
 *
 * <p>Every failed call throws {@link AblClientException} with the gRPC status code and the server's
 * description; no {@code StatusRuntimeException} escapes.
 */
public final class AblClient implements AutoCloseable {
  /** Deadline of unary calls made by a client from {@link #forAddress(String)}. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

  /** The file {@link #exportModel} writes the model's metadata to, in protobuf JSON. */
  public static final String METADATA_FILE = "metadata.json";

  private final SessionServiceBlockingStub stub;
  private final ResultsServiceBlockingStub results;
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
    this.results = ResultsServiceGrpc.newBlockingStub(channel);
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

  /**
   * Downloads the trained model of a SUCCEEDED session into {@code dir} (created if missing): DJL's
   * parameter file, named by {@link ModelMetadata#getParamsFile()}, and {@value #METADATA_FILE}. Checks
   * the size and SHA-256 the server announced ({@code DATA_LOSS} on a mismatch); the whole download shares
   * one deadline. Returns the metadata.
   */
  public ModelMetadata exportModel(String sessionId, Path dir) throws IOException {
    requireNonNull(dir, "dir");
    ExportModelRequest request = ExportModelRequest.newBuilder().setSessionId(sessionId).build();
    Files.createDirectories(dir);
    Path partial = Files.createTempFile(dir, ".export-", ".partial");
    try {
      Iterator<ExportModelChunk> chunks =
          results.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS).exportModel(request);
      ModelMetadata metadata;
      MessageDigest sha256 = sha256();
      long size = 0;
      try (OutputStream out = new DigestOutputStream(Files.newOutputStream(partial), sha256)) {
        ExportModelChunk first = chunks.next();
        if (!first.hasMetadata()) {
          throw new AblClientException(
              Status.Code.INTERNAL, "the export did not start with the model's metadata", null);
        }
        metadata = first.getMetadata();
        while (chunks.hasNext()) {
          ExportModelChunk chunk = chunks.next();
          chunk.getChunk().writeTo(out);
          size += chunk.getChunk().size();
        }
      } catch (StatusRuntimeException e) {
        throw AblClientException.from(e);
      }
      String digest = HexFormat.of().formatHex(sha256.digest());
      if (size != metadata.getParamsBytes() || !digest.equalsIgnoreCase(metadata.getParamsSha256())) {
        throw new AblClientException(Status.Code.DATA_LOSS,
            "received " + size + " bytes with SHA-256 " + digest + ", expected "
                + metadata.getParamsBytes() + " bytes with " + metadata.getParamsSha256(), null);
      }
      Files.move(partial, dir.resolve(metadata.getParamsFile()), StandardCopyOption.REPLACE_EXISTING);
      Files.writeString(
          dir.resolve(METADATA_FILE), JsonFormat.printer().print(metadata), StandardCharsets.UTF_8);
      return metadata;
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  /**
   * Evaluates a SUCCEEDED session's model on a test set: {@code dataset} null means the session's own,
   * {@code attack} null means clean accuracy only (the attack success rate is then NaN).
   */
  public EvaluateResponse evaluate(String sessionId, DatasetSpec dataset, AttackSpec attack) {
    EvaluateRequest.Builder request = EvaluateRequest.newBuilder().setSessionId(sessionId);
    if (dataset != null) {
      request.setDataset(dataset);
    }
    if (attack != null) {
      request.setAttack(attack);
    }
    return results(r -> r.evaluate(request.build()));
  }

  /** The isolated set D_b of a session past its turning epoch; {@code FAILED_PRECONDITION} before. */
  public IsolationResult getIsolation(String sessionId) {
    GetIsolationRequest request = GetIsolationRequest.newBuilder().setSessionId(sessionId).build();
    return results(r -> r.getIsolation(request));
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

  private <T> T results(Function<ResultsServiceBlockingStub, T> call) {
    try {
      return call.apply(results.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS));
    } catch (StatusRuntimeException e) {
      throw AblClientException.from(e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has SHA-256", e);
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
