package io.ablserve.client;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.JsonFormat;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.CancelSessionRequest;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.Dataset;
import io.ablserve.v1.DatasetServiceGrpc;
import io.ablserve.v1.DatasetServiceGrpc.DatasetServiceBlockingStub;
import io.ablserve.v1.DatasetServiceGrpc.DatasetServiceStub;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.DeleteDatasetRequest;
import io.ablserve.v1.DeleteSessionRequest;
import io.ablserve.v1.EvaluateRequest;
import io.ablserve.v1.EvaluateResponse;
import io.ablserve.v1.ExportModelChunk;
import io.ablserve.v1.ExportModelRequest;
import io.ablserve.v1.GetIsolationRequest;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.IsolationResult;
import io.ablserve.v1.ListDatasetsRequest;
import io.ablserve.v1.ListDatasetsResponse;
import io.ablserve.v1.ListSessionsRequest;
import io.ablserve.v1.ListSessionsResponse;
import io.ablserve.v1.ModelMetadata;
import io.ablserve.v1.ResultsServiceGrpc;
import io.ablserve.v1.ResultsServiceGrpc.ResultsServiceBlockingStub;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionServiceGrpc.SessionServiceBlockingStub;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * A blocking client of the ablserve {@code SessionService}, {@code DatasetService} and {@code
 * ResultsService}. Every unary call and every model export carries the per-call deadline given at
 * construction; {@link #watch} carries none, since it follows a training run, and is stopped by closing
 * the returned stream instead; neither does {@link #uploadDataset}, since large files take long. {@link
 * #builder(String)} connects with a bearer token and TLS, as a shared server needs.
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
  private final DatasetServiceBlockingStub datasets;
  private final DatasetServiceStub uploads;
  private final Duration deadline;
  private final ManagedChannel ownedChannel;

  /** A client on a channel the caller owns and closes. */
  public AblClient(Channel channel, Duration deadline) {
    this(channel, deadline, null, null);
  }

  private AblClient(
      Channel channel, Duration deadline, ManagedChannel ownedChannel, CallCredentials token) {
    requireNonNull(channel, "channel");
    requireNonNull(deadline, "deadline");
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive, got " + deadline);
    }
    this.stub = SessionServiceGrpc.newBlockingStub(channel).withCallCredentials(token);
    this.results = ResultsServiceGrpc.newBlockingStub(channel).withCallCredentials(token);
    this.datasets = DatasetServiceGrpc.newBlockingStub(channel).withCallCredentials(token);
    this.uploads = DatasetServiceGrpc.newStub(channel).withCallCredentials(token);
    this.deadline = deadline;
    this.ownedChannel = ownedChannel;
  }

  /** A client on a new plaintext channel to {@code host:port}, closed by {@link #close()}. */
  public static AblClient forAddress(String address) {
    return forAddress(address, DEFAULT_DEADLINE);
  }

  /** A client on a new plaintext channel to {@code host:port}, closed by {@link #close()}. */
  public static AblClient forAddress(String address, Duration deadline) {
    return builder(address).deadline(deadline).build();
  }

  /** Settings for a client on a new channel to {@code host:port}: plaintext, no token, 30 s. */
  public static Builder builder(String address) {
    requireNonNull(address, "address");
    if (address.isBlank()) {
      throw new IllegalArgumentException("address must be host:port, got an empty string");
    }
    return new Builder(address);
  }

  /**
   * How a client connects: {@link #token} for a server with a token file, {@link #tls} or {@link
   * #trustedCertificates} for one that serves TLS.
   */
  public static final class Builder {
    private final String address;
    private Duration deadline = DEFAULT_DEADLINE;
    private String token;
    private boolean tls;
    private Path trustedCertificates;
    private String authority;

    private Builder(String address) {
      this.address = address;
    }

    /** The deadline of each unary call and model export. Default {@link #DEFAULT_DEADLINE}. */
    public Builder deadline(Duration deadline) {
      this.deadline = requireNonNull(deadline, "deadline");
      return this;
    }

    /** Sends {@code authorization: Bearer TOKEN} with every call. */
    public Builder token(String token) {
      requireNonNull(token, "token");
      new BearerToken(token); // refuses a malformed token here, not at the first call
      this.token = token;
      return this;
    }

    /** Sends the first token of {@code file}, as {@link TokenFile#firstToken} reads it. */
    public Builder tokenFile(Path file) throws IOException {
      return token(TokenFile.firstToken(requireNonNull(file, "file")));
    }

    /** TLS, trusting the system's certificate authorities (or those of {@link #trustedCertificates}). */
    public Builder tls(boolean tls) {
      this.tls = tls;
      return this;
    }

    /** TLS, trusting the certificate authorities in this PEM file (a lab's own CA) instead. */
    public Builder trustedCertificates(Path pemFile) {
      this.trustedCertificates = requireNonNull(pemFile, "pemFile");
      this.tls = true;
      return this;
    }

    /**
     * The host name the server's certificate must carry, when the address does not (an SSH tunnel to
     * localhost, an IP address). TLS only.
     */
    public Builder authority(String authority) {
      this.authority = requireNonNull(authority, "authority");
      return this;
    }

    /** Opens the channel; {@link AblClient#close()} closes it. */
    public AblClient build() {
      ChannelCredentials credentials;
      if (!tls) {
        if (authority != null) {
          throw new IllegalArgumentException("an authority to verify needs TLS");
        }
        credentials = InsecureChannelCredentials.create();
      } else if (trustedCertificates == null) {
        credentials = TlsChannelCredentials.create();
      } else {
        try {
          credentials =
              TlsChannelCredentials.newBuilder().trustManager(trustedCertificates.toFile()).build();
        } catch (IOException e) {
          throw new IllegalArgumentException(
              "cannot read the CA certificates in " + trustedCertificates + ": " + e.getMessage(), e);
        }
      }
      ManagedChannelBuilder<?> builder = Grpc.newChannelBuilder(address, credentials);
      if (authority != null) {
        builder.overrideAuthority(authority);
      }
      ManagedChannel channel = builder.build();
      return new AblClient(
          channel, deadline, channel, token == null ? null : new BearerToken(token));
    }
  }

  /** Queues a new session at priority 0; its config comes back with every default resolved. */
  public Session createSession(SessionConfig config) {
    return createSession(config, 0);
  }

  /**
   * Queues a new session at {@code priority} (-100 to 100; higher trains first, first come first served
   * within a priority); its config comes back with every default resolved.
   */
  public Session createSession(SessionConfig config, int priority) {
    CreateSessionRequest request =
        CreateSessionRequest.newBuilder().setConfig(config).setPriority(priority).build();
    return unary(s -> s.createSession(request));
  }

  public Session getSession(String sessionId) {
    GetSessionRequest request = GetSessionRequest.newBuilder().setSessionId(sessionId).build();
    return unary(s -> s.getSession(request));
  }

  /** All sessions, newest first, fetched a page at a time (each page a call with the deadline). */
  public List<Session> listSessions() {
    List<Session> sessions = new ArrayList<>();
    String pageToken = "";
    do {
      ListSessionsRequest request = ListSessionsRequest.newBuilder().setPageToken(pageToken).build();
      ListSessionsResponse page = unary(s -> s.listSessions(request));
      sessions.addAll(page.getSessionsList());
      pageToken = page.getNextPageToken();
    } while (!pageToken.isEmpty());
    return sessions;
  }

  /**
   * Deletes a finished session with its events, checkpoints and model; {@code FAILED_PRECONDITION} while
   * it is queued or running (cancel it first).
   */
  public void deleteSession(String sessionId) {
    DeleteSessionRequest request = DeleteSessionRequest.newBuilder().setSessionId(sessionId).build();
    unary(s -> s.deleteSession(request));
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

  /**
   * Uploads a dataset for sessions to train on (name its id in {@link DatasetSpec#getName()}): an .npz
   * holding x_train, y_train, x_test and y_test, a .zip of a dataset folder, or the folder itself (IDX,
   * CIFAR-10, GTSRB, npz or ImageFolder layout), zipped on the fly. Streams 1 MiB chunks under flow
   * control with the file's SHA-256, which the server checks; {@code progress} hears the bytes sent so
   * far. No deadline. Returns the dataset as the server loaded it; {@code INVALID_ARGUMENT} with the
   * loader's message for bad data, {@code RESOURCE_EXHAUSTED} above the server's upload limit.
   */
  public Dataset uploadDataset(Path path, String name, LongConsumer progress) throws IOException {
    requireNonNull(path, "path");
    requireNonNull(name, "name");
    requireNonNull(progress, "progress");
    return DatasetUploadCall.upload(uploads, path, name, progress);
  }

  /** The datasets this user uploaded (an admin: everyone's), newest first, fetched a page at a time. */
  public List<Dataset> listDatasets() {
    List<Dataset> datasets = new ArrayList<>();
    String pageToken = "";
    do {
      ListDatasetsRequest request = ListDatasetsRequest.newBuilder().setPageToken(pageToken).build();
      ListDatasetsResponse page = datasetCall(d -> d.listDatasets(request));
      datasets.addAll(page.getDatasetsList());
      pageToken = page.getNextPageToken();
    } while (!pageToken.isEmpty());
    return datasets;
  }

  /**
   * Removes an uploaded dataset; {@code NOT_FOUND} for another user's, {@code FAILED_PRECONDITION} while a
   * queued or running session uses it.
   */
  public void deleteDataset(String datasetId) {
    DeleteDatasetRequest request = DeleteDatasetRequest.newBuilder().setDatasetId(datasetId).build();
    datasetCall(d -> d.deleteDataset(request));
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

  private <T> T datasetCall(Function<DatasetServiceBlockingStub, T> call) {
    try {
      return call.apply(datasets.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS));
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
