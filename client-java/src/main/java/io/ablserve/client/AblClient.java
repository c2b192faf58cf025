package io.ablserve.client;

import static java.util.Objects.requireNonNull;

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
import io.ablserve.v1.ExportModelRequest;
import io.ablserve.v1.ModelFormat;
import io.ablserve.v1.GetIsolationRequest;
import io.ablserve.v1.GetSampleImagesRequest;
import io.ablserve.v1.GetSampleImagesResponse;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.IsolationResult;
import io.ablserve.v1.ListConfiguredDatasetsRequest;
import io.ablserve.v1.ListConfiguredDatasetsResponse;
import io.ablserve.v1.ListDatasetsRequest;
import io.ablserve.v1.ListDatasetsResponse;
import io.ablserve.v1.ListDevicesRequest;
import io.ablserve.v1.ListDevicesResponse;
import io.ablserve.v1.ListSessionsRequest;
import io.ablserve.v1.ListSessionsResponse;
import io.ablserve.v1.ModelMetadata;
import io.ablserve.v1.ResultsServiceGrpc;
import io.ablserve.v1.ResumeSessionRequest;
import io.ablserve.v1.ResultsServiceGrpc.ResultsServiceBlockingStub;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionState;
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
import io.grpc.stub.AbstractStub;
import java.io.IOException;
import java.nio.file.Path;
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

  /** The port of an address given as a host alone, the server's default. */
  public static final int DEFAULT_PORT = 50051;

  /** How often {@link #cancelSession} asks whether the session has stopped, at most. */
  private static final Duration CANCEL_POLL_MAX = Duration.ofSeconds(1);

  /** The file {@link #exportModel} writes the model's metadata to, in protobuf JSON. */
  public static final String METADATA_FILE = "metadata.json";

  private final SessionServiceBlockingStub stub;
  private final io.ablserve.v2.SessionServiceGrpc.SessionServiceBlockingStub v2;
  private final ResultsServiceBlockingStub results;
  private final DatasetServiceBlockingStub datasets;
  private final DatasetServiceStub uploads;
  private final Duration deadline;
  private final ManagedChannel ownedChannel;
  private final String target;

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
    this.v2 = io.ablserve.v2.SessionServiceGrpc.newBlockingStub(channel).withCallCredentials(token);
    this.results = ResultsServiceGrpc.newBlockingStub(channel).withCallCredentials(token);
    this.datasets = DatasetServiceGrpc.newBlockingStub(channel).withCallCredentials(token);
    this.uploads = DatasetServiceGrpc.newStub(channel).withCallCredentials(token);
    this.deadline = deadline;
    this.ownedChannel = ownedChannel;
    this.target = channel.authority();
  }

  /** A client on a new plaintext channel to {@code host:port}, closed by {@link #close()}. */
  public static AblClient forAddress(String address) {
    return forAddress(address, DEFAULT_DEADLINE);
  }

  /** A client on a new plaintext channel to {@code host:port}, closed by {@link #close()}. */
  public static AblClient forAddress(String address, Duration deadline) {
    return builder(address).deadline(deadline).build();
  }

  /**
   * Settings for a client on a new channel to {@code host:port} (a host alone means port {@value
   * #DEFAULT_PORT}): plaintext, no token, 30 s.
   */
  public static Builder builder(String address) {
    requireNonNull(address, "address");
    if (address.isBlank()) {
      throw new IllegalArgumentException("address must be host:port, got an empty string");
    }
    return new Builder(withDefaultPort(address));
  }

  /**
   * {@code address} with port {@value #DEFAULT_PORT} when it names a host alone ({@code localhost},
   * {@code 10.0.0.5}, {@code [::1]}, {@code ::1}); a gRPC target with a scheme ({@code
   * dns:///host:1234}, {@code unix:/path}) is left as it is. Without this, gRPC takes a bare host to
   * mean port 80.
   */
  public static String withDefaultPort(String address) {
    if (address.contains("/") || address.matches("^(unix|dns|ipv4|ipv6):.*")) {
      return address;
    }
    if (address.startsWith("[")) {
      return address.contains("]:") ? address : address + ":" + DEFAULT_PORT;
    }
    long colons = address.chars().filter(c -> c == ':').count();
    if (colons > 1) {
      return "[" + address + "]:" + DEFAULT_PORT;
    }
    return colons == 1 ? address : address + ":" + DEFAULT_PORT;
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
   * Queues a new session at {@code priority} (-100 to 100; higher trains first; within a priority
   * users take turns, each user's sessions first come first served); its config comes back with every default resolved.
   */
  public Session createSession(SessionConfig config, int priority) {
    CreateSessionRequest request =
        CreateSessionRequest.newBuilder().setConfig(config).setPriority(priority).build();
    return unary(s -> s.createSession(request));
  }

  /**
   * Queues a new session from a v2 config (the defence and the attack each one message, in oneofs, the
   * training options apart); it comes back in v2's form with every default resolved. The session is the
   * same through v1: {@link #getSession} reads it.
   */
  public io.ablserve.v2.Session createSession(io.ablserve.v2.SessionConfig config, int priority) {
    io.ablserve.v2.CreateSessionRequest request =
        io.ablserve.v2.CreateSessionRequest.newBuilder().setConfig(config).setPriority(priority).build();
    return call(v2, s -> s.createSession(request));
  }

  /** A session, created through either API version, with its config in v2's form. */
  public io.ablserve.v2.Session getSessionV2(String sessionId) {
    io.ablserve.v2.GetSessionRequest request =
        io.ablserve.v2.GetSessionRequest.newBuilder().setSessionId(sessionId).build();
    return call(v2, s -> s.getSession(request));
  }

  /**
   * The server's defaults for a session with defence {@code defense} (a v2 oneof case: "none", "abl",
   * "ft", "fp", "nad", "mcr"; empty for the server's default defence), in v2's form.
   */
  public io.ablserve.v2.SessionConfig sessionDefaults(String defense) {
    io.ablserve.v2.GetSessionDefaultsRequest request =
        io.ablserve.v2.GetSessionDefaultsRequest.newBuilder().setDefense(defense).build();
    return call(v2, s -> s.getSessionDefaults(request));
  }

  /**
   * The server's device slots (each busy or not, the session on it for its owner and admins, the memory
   * of the process training there), how sessions train, how many wait (every user's), and its defaults.
   */
  public ListDevicesResponse listDevices() {
    return unary(s -> s.listDevices(ListDevicesRequest.getDefaultInstance()));
  }

  public Session getSession(String sessionId) {
    GetSessionRequest request = GetSessionRequest.newBuilder().setSessionId(sessionId).build();
    return unary(s -> s.getSession(request));
  }

  /**
   * The session with this id, or else the only one whose id starts with it, as listings show ids; {@code
   * NOT_FOUND} when none does, {@code INVALID_ARGUMENT} naming the candidates when several do.
   */
  public Session findSession(String idOrPrefix) {
    requireNonNull(idOrPrefix, "idOrPrefix");
    AblClientException notFound;
    try {
      return getSession(idOrPrefix);
    } catch (AblClientException e) {
      if (e.code() != Status.Code.NOT_FOUND || idOrPrefix.isEmpty()) {
        throw e;
      }
      notFound = e;
    }
    List<Session> matches =
        listSessions().stream().filter(s -> s.getId().startsWith(idOrPrefix)).toList();
    if (matches.isEmpty()) {
      throw notFound;
    }
    if (matches.size() > 1) {
      throw new AblClientException(Status.Code.INVALID_ARGUMENT,
          "session id prefix '" + idOrPrefix + "' is ambiguous: " + matches.size()
              + " sessions start with it ("
              + String.join(", ", matches.stream().map(Session::getId).toList())
              + "); give more of the id", null);
    }
    return matches.get(0);
  }

  /** All sessions, newest first. */

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
   * Queues an INTERRUPTED session again (the server stopped while it trained, or lost its worker); it goes
   * on from its last epoch's checkpoint. {@code FAILED_PRECONDITION} in any other state.
   */
  public Session resumeSession(String sessionId) {
    ResumeSessionRequest request = ResumeSessionRequest.newBuilder().setSessionId(sessionId).build();
    return unary(s -> s.resumeSession(request));
  }

  /**
   * As {@link #resumeSession(String)}, on {@code device} ("cpu", "gpu", "gpu:N"; empty: any slot), which
   * its config keeps: for a session whose device no slot serves any more. {@code INVALID_ARGUMENT},
   * naming the slots, when none serves it either.
   */
  public Session resumeSession(String sessionId, String device) {
    ResumeSessionRequest request =
        ResumeSessionRequest.newBuilder().setSessionId(sessionId).setDevice(device).build();
    return unary(s -> s.resumeSession(request));
  }

  /**
   * Deletes a finished session with its events, checkpoints and model; {@code FAILED_PRECONDITION} while
   * it is queued or running (cancel it first).
   */
  public void deleteSession(String sessionId) {
    DeleteSessionRequest request = DeleteSessionRequest.newBuilder().setSessionId(sessionId).build();
    unary(s -> s.deleteSession(request));
  }

  /**
   * Cancels a queued or running session and returns it once it is CANCELLED (or otherwise finished): a
   * running one stops within one training step. {@code DEADLINE_EXCEEDED} when it has not stopped within
   * the client's deadline; {@code FAILED_PRECONDITION} when it had already finished.
   */
  public Session cancelSession(String sessionId) {
    return cancelSession(sessionId, true);
  }

  /**
   * Cancels a queued or running session; with {@code wait}, as {@link #cancelSession(String)}, without it
   * returns as soon as the server took the request, the session possibly still RUNNING.
   */
  public Session cancelSession(String sessionId, boolean wait) {
    long deadlineNanos = System.nanoTime() + deadline.toNanos();
    CancelSessionRequest request = CancelSessionRequest.newBuilder().setSessionId(sessionId).build();
    Session session = unary(s -> s.cancelSession(request));
    Duration pause = Duration.ofMillis(50);
    while (wait && !isTerminal(session.getState())) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        throw new AblClientException(Status.Code.DEADLINE_EXCEEDED,
            "session " + sessionId + " was asked to cancel but is still "
                + session.getState().name().replaceFirst("^SESSION_STATE_", "") + " after "
                + deadline.toMillis() + " ms", null);
      }
      try {
        TimeUnit.NANOSECONDS.sleep(Math.min(pause.toNanos(), left));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AblClientException(Status.Code.CANCELLED, "interrupted waiting for session "
            + sessionId + " to stop; it was asked to cancel", e);
      }
      pause = pause.multipliedBy(2).compareTo(CANCEL_POLL_MAX) > 0 ? CANCEL_POLL_MAX : pause.multipliedBy(2);
      session = getSession(sessionId);
    }
    return session;
  }

  /** Whether a session in {@code state} has finished: SUCCEEDED, FAILED, CANCELLED or INTERRUPTED. */
  public static boolean isTerminal(SessionState state) {
    return switch (state) {
      case SESSION_STATE_SUCCEEDED, SESSION_STATE_FAILED, SESSION_STATE_CANCELLED,
          SESSION_STATE_INTERRUPTED -> true;
      default -> false;
    };
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
      return new SessionEventStream(context, events, target);
    } catch (StatusRuntimeException e) {
      context.cancel(e);
      throw failure(e);
    } finally {
      context.detach(previous);
    }
  }

  /**
   * Downloads the trained model of a SUCCEEDED session into {@code dir}: DJL's parameter file, named by
   * {@link ModelMetadata#getParamsFile()}, and {@value #METADATA_FILE}. The folder is created once the
   * server has announced a model, and removed again (if this call created it) when the download fails,
   * so a refused export leaves nothing behind. Checks the size and SHA-256 the server announced ({@code
   * DATA_LOSS} on a mismatch); the whole download shares one deadline. Returns the metadata.
   */
  public ModelMetadata exportModel(String sessionId, Path dir) throws IOException {
    return exportModel(sessionId, dir, ModelFormat.MODEL_FORMAT_DJL_PARAMS);
  }

  /**
   * As {@link #exportModel(String, Path)} in {@code format}: DJL's parameter file, or safetensors with
   * PyTorch's parameter names ({@link ModelMetadata#getSafetensorsFile()}) for loading into PyTorch.
   */
  public ModelMetadata exportModel(String sessionId, Path dir, ModelFormat format) throws IOException {
    requireNonNull(dir, "dir");
    requireNonNull(format, "format");
    ExportModelRequest request =
        ExportModelRequest.newBuilder().setSessionId(sessionId).setFormat(format).build();
    try {
      return ModelExport.write(
          results.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS).exportModel(request), dir,
          format);
    } catch (StatusRuntimeException e) {
      throw failure(e);
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
   * Sample images of a session as PNG thumbnails with their labels, poisoned flags and losses (see the
   * GetSampleImages RPC); at most 256 a call, {@code INVALID_ARGUMENT} past it.
   */
  public GetSampleImagesResponse getSampleImages(GetSampleImagesRequest request) {
    return results(r -> r.getSampleImages(request));
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
    try {
      return DatasetUploadCall.upload(uploads, path, name, progress);
    } catch (AblClientException e) {
      throw e.explainedFor(target);
    }
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
   * The datasets the server was configured with, which every user may train on, by name, fetched a page
   * at a time.
   */
  public List<Dataset> listConfiguredDatasets() {
    List<Dataset> datasets = new ArrayList<>();
    String pageToken = "";
    do {
      ListConfiguredDatasetsRequest request =
          ListConfiguredDatasetsRequest.newBuilder().setPageToken(pageToken).build();
      ListConfiguredDatasetsResponse page = datasetCall(d -> d.listConfiguredDatasets(request));
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
    return call(results, call);
  }

  private <T> T datasetCall(Function<DatasetServiceBlockingStub, T> call) {
    return call(datasets, call);
  }

  /** {@code call} on {@code stub} with the client's deadline, a failure as AblClientException. */
  private <S extends AbstractStub<S>, T> T call(S stub, Function<S, T> call) {
    try {
      return call.apply(stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS));
    } catch (StatusRuntimeException e) {
      throw failure(e);
    }
  }

  private AblClientException failure(StatusRuntimeException e) {
    return AblClientException.from(e).explainedFor(target);
  }

  private <T> T unary(Function<SessionServiceBlockingStub, T> call) {
    return call(stub, call);
  }
}
