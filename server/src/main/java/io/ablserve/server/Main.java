package io.ablserve.server;

import ai.djl.engine.Engine;
import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import io.ablserve.server.api.AblServer;
import io.ablserve.server.api.GrpcServerModule;
import io.ablserve.server.auth.Exposure;
import io.ablserve.server.config.ApiPolicy;
import io.ablserve.server.config.ConfigModule;
import io.ablserve.server.config.Isolation;
import io.ablserve.server.config.KubernetesConfig;
import io.ablserve.server.config.WorkerKeepalive;
import io.ablserve.server.config.WorkersConfig;
import io.ablserve.server.config.ResumeInterrupted;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.data.DatasetLimits;
import io.ablserve.server.config.ServiceLimits;
import io.ablserve.server.metrics.MetricsModule;
import io.ablserve.server.auth.Principal;
import io.ablserve.server.session.SessionLogContext;
import io.ablserve.server.session.SessionManager;
import io.ablserve.server.session.SessionModule;
import io.ablserve.v1.DeviceSlot;
import io.ablserve.server.store.StoreModule;
import io.ablserve.server.worker.WorkerModule;
import io.ablserve.server.k8s.KubernetesModule;
import com.google.inject.util.Modules;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Starts an ablserve server. Options left out fall back to {@code ABLSERVE_*} environment variables, then
 * to {@link ServerConfig#DEFAULTS}. Prints {@code ablserve listening on HOST:PORT} once it serves; scripts
 * read the real port from that line when started with {@code --port 0}.
 */
@Command(
    name = "ablserve-server",
    mixinStandardHelpOptions = true,
    description = "Serves Anti-Backdoor Learning training sessions over gRPC.")
public final class Main implements Callable<Integer> {

  @Option(
      names = "--port",
      defaultValue = "${env:ABLSERVE_PORT}",
      description = "TCP port; 0 picks a free one. Env ABLSERVE_PORT. Default 50051.")
  Integer port;

  @Option(
      names = "--bind",
      defaultValue = "${env:ABLSERVE_BIND}",
      description = "Address to listen on. Env ABLSERVE_BIND. Default 127.0.0.1.")
  String bindAddress;

  @Option(
      names = "--data-dir",
      defaultValue = "${env:ABLSERVE_DATA_DIR}",
      description = "Server state folder. Env ABLSERVE_DATA_DIR. Default ~/.ablserve.")
  Path dataDir;

  @Option(
      names = "--device",
      defaultValue = "${env:ABLSERVE_DEVICE}",
      description = "Default device: cpu, gpu or gpu:N. Env ABLSERVE_DEVICE. Default cpu. With"
          + " --isolation process or kubernetes, sessions train on --slots (a session's device"
          + " picks among them) and this device only evaluates saved models.")
  String device;

  @Option(
      names = "--dataset",
      split = ",",
      defaultValue = "${env:ABLSERVE_DATASETS}",
      paramLabel = "NAME=PATH",
      description =
          "A dataset folder (IDX, CIFAR-10, GTSRB, npz or ImageFolder layout), added to (or"
              + " replacing by name) the default fashion-mnist=/usr/share/datasets/fashion-mnist."
              + " Repeatable. Env ABLSERVE_DATASETS (comma-separated).")
  Map<String, Path> datasets;

  @Option(
      names = "--max-queued",
      defaultValue = "${env:ABLSERVE_MAX_QUEUED}",
      description = "Sessions that may wait for the trainer. Env ABLSERVE_MAX_QUEUED. Default 100.")
  Integer maxQueuedSessions;

  @Option(
      names = "--max-queued-per-user",
      defaultValue = "${env:ABLSERVE_MAX_QUEUED_PER_USER}",
      description =
          "Sessions one user of the --token-file (admins too) may have queued; more are refused with"
              + " RESOURCE_EXHAUSTED. Env ABLSERVE_MAX_QUEUED_PER_USER. Default 4.")
  Integer maxQueuedPerUser;

  @Option(
      names = "--token-file",
      defaultValue = "${env:ABLSERVE_TOKEN_FILE}",
      paramLabel = "FILE",
      description =
          "Users: one 'TOKEN USER [admin]' per line, # comments. Without it every request acts as"
              + " user 'local' and only a loopback --bind is allowed. Env ABLSERVE_TOKEN_FILE.")
  Path tokenFile;

  @Option(
      names = "--tls-cert",
      defaultValue = "${env:ABLSERVE_TLS_CERT}",
      paramLabel = "PEM",
      description = "Serve TLS with this certificate chain (with --tls-key). Env ABLSERVE_TLS_CERT.")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      defaultValue = "${env:ABLSERVE_TLS_KEY}",
      paramLabel = "PEM",
      description = "The certificate's PKCS#8 private key. Env ABLSERVE_TLS_KEY.")
  Path tlsKey;

  @Option(
      names = "--max-upload-bytes",
      defaultValue = "${env:ABLSERVE_MAX_UPLOAD_BYTES}",
      description = "Largest dataset upload, in bytes. Env ABLSERVE_MAX_UPLOAD_BYTES. Default 2 GiB.")
  Long maxUploadBytes;

  @Option(
      names = "--max-decoded-bytes",
      defaultValue = "${env:ABLSERVE_MAX_DECODED_BYTES}",
      description =
          "Bytes one dataset's arrays may decode to, checked against the sizes its files declare before"
              + " reading. Env ABLSERVE_MAX_DECODED_BYTES. Default 2 GiB.")
  Long maxDecodedBytes;

  @Option(
      names = "--max-image-side-px",
      defaultValue = "${env:ABLSERVE_MAX_IMAGE_SIDE_PX}",
      description =
          "Widest or tallest PNG, JPEG or PPM image read, from its header before decoding."
              + " Env ABLSERVE_MAX_IMAGE_SIDE_PX. Default 4096.")
  Integer maxImageSidePx;

  @Option(
      names = "--max-zip-entries",
      defaultValue = "${env:ABLSERVE_MAX_ZIP_ENTRIES}",
      description = "Entries an uploaded zip may hold. Env ABLSERVE_MAX_ZIP_ENTRIES. Default 100000.")
  Integer maxZipEntries;

  @Option(
      names = "--max-unpacked-bytes",
      defaultValue = "${env:ABLSERVE_MAX_UNPACKED_BYTES}",
      description =
          "Bytes an uploaded zip may unpack to, counted as it inflates. Env ABLSERVE_MAX_UNPACKED_BYTES."
              + " Default 4 GiB.")
  Long maxUnpackedBytes;

  @Option(
      names = "--metrics-port",
      defaultValue = "${env:ABLSERVE_METRICS_PORT}",
      description =
          "Prometheus /metrics on the --metrics-bind address (HTTPS with --tls-cert, a bearer token"
              + " with --token-file): -1 off, 0 a free port. Env ABLSERVE_METRICS_PORT. Default -1.")
  Integer metricsPort;

  @Option(
      names = "--metrics-bind",
      defaultValue = "${env:ABLSERVE_METRICS_BIND}",
      description =
          "Address the metrics endpoint listens on; any but loopback needs --token-file, and a scrape"
              + " then sends any user's token. Env ABLSERVE_METRICS_BIND. Default 127.0.0.1.")
  String metricsBindAddress;

  @Option(
      names = "--resume-interrupted",
      defaultValue = "${env:ABLSERVE_RESUME_INTERRUPTED}",
      paramLabel = "auto|manual",
      description =
          "A session the last process died running: auto queues it again from its last epoch's"
              + " checkpoint; manual leaves it INTERRUPTED until ResumeSession."
              + " Env ABLSERVE_RESUME_INTERRUPTED. Default auto.")
  String resumeInterrupted;

  @Option(
      names = "--min-free-bytes",
      defaultValue = "${env:ABLSERVE_MIN_FREE_BYTES}",
      description =
          "Free space to keep on the --data-dir's disk, in bytes (0: none): below it new sessions,"
              + " resumes and uploads are refused with RESOURCE_EXHAUSTED."
              + " Env ABLSERVE_MIN_FREE_BYTES. Default 512 MiB.")
  Long minFreeBytes;

  @Option(
      names = "--max-concurrent-evaluations",
      defaultValue = "${env:ABLSERVE_MAX_CONCURRENT_EVALUATIONS}",
      description = "Evaluate calls worked on at once. Env ABLSERVE_MAX_CONCURRENT_EVALUATIONS. Default 2.")
  Integer maxConcurrentEvaluations;

  @Option(
      names = "--max-queued-evaluations",
      defaultValue = "${env:ABLSERVE_MAX_QUEUED_EVALUATIONS}",
      description =
          "Evaluate calls that may wait; more are refused with RESOURCE_EXHAUSTED."
              + " Env ABLSERVE_MAX_QUEUED_EVALUATIONS. Default 8.")
  Integer maxQueuedEvaluations;

  @Option(
      names = "--max-concurrent-exports",
      defaultValue = "${env:ABLSERVE_MAX_CONCURRENT_EXPORTS}",
      description = "ExportModel streams open at once. Env ABLSERVE_MAX_CONCURRENT_EXPORTS. Default 4.")
  Integer maxConcurrentExports;

  @Option(
      names = "--max-concurrent-uploads",
      defaultValue = "${env:ABLSERVE_MAX_CONCURRENT_UPLOADS}",
      description = "UploadDataset calls open at once. Env ABLSERVE_MAX_CONCURRENT_UPLOADS. Default 2.")
  Integer maxConcurrentUploads;

  @Option(
      names = "--max-calls-per-connection",
      defaultValue = "${env:ABLSERVE_MAX_CALLS_PER_CONNECTION}",
      description =
          "Concurrent calls (HTTP/2 streams) on one connection."
              + " Env ABLSERVE_MAX_CALLS_PER_CONNECTION. Default 100.")
  Integer maxCallsPerConnection;

  @Option(
      names = "--max-rst-frames",
      defaultValue = "${env:ABLSERVE_MAX_RST_FRAMES}",
      description =
          "RST_STREAM frames a connection may send per --rst-window-seconds before it is closed"
              + " (HTTP/2 rapid reset). Env ABLSERVE_MAX_RST_FRAMES. Default 200.")
  Integer maxRstFrames;

  @Option(
      names = "--rst-window-seconds",
      defaultValue = "${env:ABLSERVE_RST_WINDOW_SECONDS}",
      description = "The window of --max-rst-frames. Env ABLSERVE_RST_WINDOW_SECONDS. Default 10.")
  Integer rstWindowSeconds;

  @Option(
      names = "--permit-keepalive-seconds",
      defaultValue = "${env:ABLSERVE_PERMIT_KEEPALIVE_SECONDS}",
      description =
          "Most frequent client keepalive ping accepted; faster pings get the connection closed."
              + " Env ABLSERVE_PERMIT_KEEPALIVE_SECONDS. Default 30.")
  Long permitKeepAliveSeconds;

  @Option(
      names = "--permit-keepalive-without-calls",
      arity = "1",
      defaultValue = "${env:ABLSERVE_PERMIT_KEEPALIVE_WITHOUT_CALLS}",
      paramLabel = "true|false",
      description =
          "Whether clients may ping with no call open."
              + " Env ABLSERVE_PERMIT_KEEPALIVE_WITHOUT_CALLS. Default false.")
  Boolean permitKeepAliveWithoutCalls;

  @Option(
      names = "--max-connection-age-seconds",
      defaultValue = "${env:ABLSERVE_MAX_CONNECTION_AGE_SECONDS}",
      description =
          "Age after which a connection is asked to go away (new calls reconnect); 0 never."
              + " Env ABLSERVE_MAX_CONNECTION_AGE_SECONDS. Default 3600.")
  Long maxConnectionAgeSeconds;

  @Option(
      names = "--max-connection-age-grace-seconds",
      defaultValue = "${env:ABLSERVE_MAX_CONNECTION_AGE_GRACE_SECONDS}",
      description =
          "How long calls on an aged connection may go on; 0 for as long as they last (watches)."
              + " Env ABLSERVE_MAX_CONNECTION_AGE_GRACE_SECONDS. Default 0.")
  Long maxConnectionAgeGraceSeconds;

  @Option(
      names = "--max-message-bytes",
      defaultValue = "${env:ABLSERVE_MAX_MESSAGE_BYTES}",
      description =
          "Largest inbound message, at most --max-upload-bytes + 64 KiB in effect."
              + " Env ABLSERVE_MAX_MESSAGE_BYTES. Default 4194304 (4 MiB).")
  Integer maxMessageBytes;

  @Option(
      names = "--watch-stall-seconds",
      defaultValue = "${env:ABLSERVE_WATCH_STALL_SECONDS}",
      description =
          "How long a WatchSession stream whose client does not read may stay stalled before it is ended"
              + " with RESOURCE_EXHAUSTED (it resumes with from_sequence)."
              + " Env ABLSERVE_WATCH_STALL_SECONDS. Default 300.")
  Long watchStallSeconds;

  @Option(
      names = "--upload-idle-seconds",
      defaultValue = "${env:ABLSERVE_UPLOAD_IDLE_SECONDS}",
      description =
          "How long an UploadDataset call may send nothing before it is ended with DEADLINE_EXCEEDED,"
              + " what it sent removed and its slot freed. Env ABLSERVE_UPLOAD_IDLE_SECONDS. Default 60.")
  Long uploadIdleSeconds;

  @Option(
      names = "--default-page-size",
      defaultValue = "${env:ABLSERVE_DEFAULT_PAGE_SIZE}",
      description =
          "Items a List call returns when it asks for no page size."
              + " Env ABLSERVE_DEFAULT_PAGE_SIZE. Default 100.")
  Integer defaultPageSize;

  @Option(
      names = "--max-page-size",
      defaultValue = "${env:ABLSERVE_MAX_PAGE_SIZE}",
      description = "Most items one List call returns. Env ABLSERVE_MAX_PAGE_SIZE. Default 1000.")
  Integer maxPageSize;

  @Option(
      names = "--retain-finished-days",
      defaultValue = "${env:ABLSERVE_RETAIN_FINISHED_DAYS}",
      description =
          "Delete sessions that SUCCEEDED, FAILED or were CANCELLED this many days ago, with their events,"
              + " checkpoints and models, and uploaded datasets created this many days ago that no"
              + " remaining session uses (checked hourly); 0 keeps them for ever."
              + " Env ABLSERVE_RETAIN_FINISHED_DAYS. Default 0.")
  Integer retainFinishedDays;

  @Option(
      names = "--slots",
      defaultValue = "${env:ABLSERVE_SLOTS}",
      description =
          "Device slots, one session training on each at a time: comma-separated cpu (all cores),"
              + " cpu:THREADS, gpu:INDEX or gpu:INDEX*K (K slots sharing one GPU), e.g. cpu:1,cpu:1,"
              + " gpu:0,gpu:1 or gpu:0*2. More than one needs"
              + " --isolation process. Env ABLSERVE_SLOTS. Default: one slot per GPU, else one CPU slot"
              + " with all cores (inline: one slot on --device).")
  String slots;

  @Option(
      names = "--isolation",
      defaultValue = "${env:ABLSERVE_ISOLATION}",
      description =
          "inline: sessions train in the server process, one at a time; process: each in a worker"
              + " process on its slot, crash-isolated; kubernetes: each in a Kubernetes Job admitted by"
              + " Kueue, one Job per slot at a time (--k8s-*). Env ABLSERVE_ISOLATION. Default inline.")
  String isolation;

  @Option(
      names = "--worker-heartbeat-seconds",
      defaultValue = "${env:ABLSERVE_WORKER_HEARTBEAT_SECONDS}",
      description =
          "A worker silent this long is killed and its session resumed from its checkpoint."
              + " Env ABLSERVE_WORKER_HEARTBEAT_SECONDS. Default 30.")
  Integer workerHeartbeatSeconds;

  @Option(
      names = "--worker-keepalive-seconds",
      defaultValue = "${env:ABLSERVE_WORKER_KEEPALIVE_SECONDS}",
      description =
          "A worker that hears nothing from this server this long pings it (>= 10); the server permits"
              + " that rate. Env ABLSERVE_WORKER_KEEPALIVE_SECONDS. Default 10.")
  Integer workerKeepaliveSeconds;

  @Option(
      names = "--worker-keepalive-timeout-seconds",
      defaultValue = "${env:ABLSERVE_WORKER_KEEPALIVE_TIMEOUT_SECONDS}",
      description =
          "A worker whose ping goes unanswered this long exits (code 3), its server taken for gone."
              + " Env ABLSERVE_WORKER_KEEPALIVE_TIMEOUT_SECONDS. Default 10.")
  Integer workerKeepaliveTimeoutSeconds;

  @Option(
      names = "--k8s-image",
      defaultValue = "${env:ABLSERVE_K8S_IMAGE}",
      description = "--isolation kubernetes: the worker pods' image (this server's). Env ABLSERVE_K8S_IMAGE.")
  String k8sImage;

  @Option(
      names = "--k8s-namespace",
      defaultValue = "${env:ABLSERVE_K8S_NAMESPACE}",
      description = "Namespace of the Jobs. Env ABLSERVE_K8S_NAMESPACE. Default: the server pod's own.")
  String k8sNamespace;

  @Option(
      names = "--k8s-queue",
      defaultValue = "${env:ABLSERVE_K8S_QUEUE}",
      description = "Kueue LocalQueue the Jobs are labelled for. Env ABLSERVE_K8S_QUEUE. Default ablserve.")
  String k8sQueue;

  @Option(
      names = "--k8s-claim",
      defaultValue = "${env:ABLSERVE_K8S_CLAIM}",
      description =
          "PersistentVolumeClaim (ReadWriteMany) holding --data-dir, mounted in every worker pod at the"
              + " same path. Env ABLSERVE_K8S_CLAIM. Default ablserve-data.")
  String k8sClaim;

  @Option(
      names = "--k8s-control-plane",
      defaultValue = "${env:ABLSERVE_K8S_CONTROL_PLANE}",
      description =
          "Host name worker pods reach this server's worker channel by; also whose Jobs are whose:"
              + " at start the server deletes the Jobs labelled with it that an earlier server left."
              + " Env ABLSERVE_K8S_CONTROL_PLANE. Default ablserve-workers (a Service).")
  String k8sControlPlane;

  @Option(
      names = "--k8s-worker-port",
      defaultValue = "${env:ABLSERVE_K8S_WORKER_PORT}",
      description = "Port of the worker channel, on all interfaces. Env ABLSERVE_K8S_WORKER_PORT. Default 50052.")
  Integer k8sWorkerPort;

  @Option(
      names = "--k8s-gpus-per-slot",
      defaultValue = "${env:ABLSERVE_K8S_GPUS_PER_SLOT}",
      description = "GPUs a GPU slot's Job requests. Env ABLSERVE_K8S_GPUS_PER_SLOT. Default 1.")
  Integer k8sGpusPerSlot;

  @Option(
      names = "--k8s-cpus-per-slot",
      defaultValue = "${env:ABLSERVE_K8S_CPUS_PER_SLOT}",
      description =
          "CPUs a Job requests when its slot names no thread count (gpu:N, cpu); cpu:T requests T."
              + " Env ABLSERVE_K8S_CPUS_PER_SLOT. Default 4.")
  Integer k8sCpusPerSlot;

  @Option(
      names = "--k8s-memory-per-slot",
      defaultValue = "${env:ABLSERVE_K8S_MEMORY_PER_SLOT}",
      description = "Memory each Job requests and limits. Env ABLSERVE_K8S_MEMORY_PER_SLOT. Default 16Gi.")
  String k8sMemoryPerSlot;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  /** The config these options describe, defaults filled from {@link ServerConfig#DEFAULTS}. */
  ServerConfig config() {
    ServerConfig d = ServerConfig.DEFAULTS;
    Map<String, Path> roots = new LinkedHashMap<>(d.datasetRoots());
    if (datasets != null) {
      roots.putAll(datasets);
    }
    return new ServerConfig(
        port != null ? port : d.port(),
        bindAddress != null ? bindAddress : d.bindAddress(),
        dataDir != null ? dataDir : d.dataDir(),
        device != null ? device : d.defaultDevice(),
        roots,
        maxQueuedSessions != null ? maxQueuedSessions : d.maxQueuedSessions(),
        maxQueuedPerUser != null ? maxQueuedPerUser : d.maxQueuedPerUser(),
        tokenFile != null ? Optional.of(tokenFile) : d.tokenFile(),
        tlsCert != null ? Optional.of(tlsCert) : d.tlsCert(),
        tlsKey != null ? Optional.of(tlsKey) : d.tlsKey(),
        maxUploadBytes != null ? maxUploadBytes : d.maxUploadBytes(),
        metricsPort != null ? metricsPort : d.metricsPort(),
        metricsBindAddress != null ? metricsBindAddress : d.metricsBindAddress(),
        resumeInterrupted != null ? resumeMode(resumeInterrupted) : d.resumeInterrupted(),
        datasetLimits(d.datasetLimits()),
        minFreeBytes != null ? minFreeBytes : d.minFreeBytes(),
        limits(),
        api());
  }

  /** Where sessions train, defaults filled from {@link WorkersConfig#DEFAULTS}. */
  WorkersConfig workers() {
    WorkersConfig d = WorkersConfig.DEFAULTS;
    Isolation mode = d.isolation();
    if (isolation != null) {
      mode = switch (isolation.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "inline" -> Isolation.INLINE;
        case "process" -> Isolation.PROCESS;
        case "kubernetes" -> Isolation.KUBERNETES;
        default -> throw new IllegalArgumentException(
            "--isolation must be inline or process (this host) or kubernetes (Jobs), got '"
                + isolation + "'");
      };
    }
    if (workerHeartbeatSeconds != null && workerHeartbeatSeconds < 1) {
      throw new IllegalArgumentException(
          "--worker-heartbeat-seconds must be >= 1, got " + workerHeartbeatSeconds);
    }
    return new WorkersConfig(
        mode,
        slots != null && !slots.isBlank() ? WorkersConfig.parseSlots(slots) : d.slots(),
        workerHeartbeatSeconds != null
            ? Duration.ofSeconds(workerHeartbeatSeconds)
            : d.heartbeatTimeout(),
        d.startTimeout(),
        d.workerJvmOptions(),
        d.maxCrashResumes(),
        new WorkerKeepalive(
            workerKeepaliveSeconds != null
                ? Duration.ofSeconds(workerKeepaliveSeconds)
                : d.keepalive().time(),
            workerKeepaliveTimeoutSeconds != null
                ? Duration.ofSeconds(workerKeepaliveTimeoutSeconds)
                : d.keepalive().timeout()));
  }

  /** How sessions run as Kubernetes Jobs, defaults filled from {@link KubernetesConfig#DEFAULTS}. */
  KubernetesConfig kubernetes() {
    KubernetesConfig d = KubernetesConfig.DEFAULTS;
    return new KubernetesConfig(
        k8sNamespace != null ? k8sNamespace : d.namespace(),
        k8sImage != null ? k8sImage : d.image(),
        k8sQueue != null ? k8sQueue : d.localQueue(),
        k8sClaim != null ? k8sClaim : d.claim(),
        k8sControlPlane != null ? k8sControlPlane : d.controlPlaneHost(),
        k8sWorkerPort != null ? k8sWorkerPort : d.workerPort(),
        k8sGpusPerSlot != null ? k8sGpusPerSlot : d.gpusPerSlot(),
        d.gpuResource(),
        k8sCpusPerSlot != null ? k8sCpusPerSlot : d.cpusPerSlot(),
        k8sMemoryPerSlot != null ? k8sMemoryPerSlot : d.memoryPerSlot(),
        d.ttlAfterFinished(),
        d.startTimeout(),
        d.workerClasspath(),
        d.djlCacheDir());
  }

  private ApiPolicy api() {
    ApiPolicy d = ServerConfig.DEFAULTS.api();
    if (retainFinishedDays != null && retainFinishedDays < 0) {
      throw new IllegalArgumentException(
          "--retain-finished-days must be >= 0, got " + retainFinishedDays);
    }
    return new ApiPolicy(
        defaultPageSize != null ? defaultPageSize : d.defaultPageSize(),
        maxPageSize != null ? maxPageSize : d.maxPageSize(),
        retainFinishedDays != null ? Duration.ofDays(retainFinishedDays) : d.retainFinished(),
        d.retentionSweepInterval());
  }

  private DatasetLimits datasetLimits(DatasetLimits d) {
    return new DatasetLimits(
        maxDecodedBytes != null ? maxDecodedBytes : d.maxDecodedBytes(),
        maxImageSidePx != null ? maxImageSidePx : d.maxImageSidePx(),
        maxZipEntries != null ? maxZipEntries : d.maxZipEntries(),
        maxUnpackedBytes != null ? maxUnpackedBytes : d.maxUnpackedBytes());
  }

  private ServiceLimits limits() {
    ServiceLimits d = ServiceLimits.DEFAULTS;
    return new ServiceLimits(
        maxConcurrentEvaluations != null ? maxConcurrentEvaluations : d.maxConcurrentEvaluations(),
        maxQueuedEvaluations != null ? maxQueuedEvaluations : d.maxQueuedEvaluations(),
        maxConcurrentExports != null ? maxConcurrentExports : d.maxConcurrentExports(),
        maxConcurrentUploads != null ? maxConcurrentUploads : d.maxConcurrentUploads(),
        maxCallsPerConnection != null ? maxCallsPerConnection : d.maxCallsPerConnection(),
        maxRstFrames != null ? maxRstFrames : d.maxRstFramesPerWindow(),
        rstWindowSeconds != null ? Duration.ofSeconds(rstWindowSeconds) : d.rstWindow(),
        permitKeepAliveSeconds != null
            ? Duration.ofSeconds(permitKeepAliveSeconds)
            : d.permitKeepAliveTime(),
        permitKeepAliveWithoutCalls != null
            ? permitKeepAliveWithoutCalls
            : d.permitKeepAliveWithoutCalls(),
        maxConnectionAgeSeconds != null
            ? Duration.ofSeconds(maxConnectionAgeSeconds)
            : d.maxConnectionAge(),
        maxConnectionAgeGraceSeconds != null
            ? Duration.ofSeconds(maxConnectionAgeGraceSeconds)
            : d.maxConnectionAgeGrace(),
        maxMessageBytes != null ? maxMessageBytes : d.maxMessageBytes(),
        watchStallSeconds != null ? Duration.ofSeconds(watchStallSeconds) : d.watchStallTimeout(),
        uploadIdleSeconds != null ? Duration.ofSeconds(uploadIdleSeconds) : d.uploadIdleTimeout());
  }

  private static ResumeInterrupted resumeMode(String value) {
    return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "auto" -> ResumeInterrupted.AUTO;
      case "manual" -> ResumeInterrupted.MANUAL;
      default -> throw new IllegalArgumentException(
          "--resume-interrupted must be auto or manual, got '" + value + "'");
    };
  }

  /**
   * The messages of {@code e}'s errors when every one is a setting refused (an IllegalArgumentException
   * from a provider); empty when any is something else, which keeps Guice's full report.
   */
  static List<String> configurationErrors(CreationException e) {
    // Guice reports one error once per path that needed the failed binding: say each once.
    java.util.Set<String> messages = new java.util.LinkedHashSet<>();
    for (com.google.inject.spi.Message error : e.getErrorMessages()) {
      Throwable cause = error.getCause();
      if (!(cause instanceof IllegalArgumentException) || cause.getMessage() == null) {
        return List.of();
      }
      messages.add(cause.getMessage());
    }
    return List.copyOf(messages);
  }

  @Override
  public Integer call() throws Exception {
    ServerConfig config;
    WorkersConfig workers;
    KubernetesConfig kubernetes;
    try {
      config = config();
      workers = workers();
      kubernetes = kubernetes();
      if (workers.isolation() == Isolation.KUBERNETES) {
        kubernetes.requireImage();
      }
      Exposure.check(config);
    } catch (IllegalArgumentException e) {
      System.err.println("ablserve: " + e.getMessage());
      return 2;
    }
    // The training core logs without session ids; the trainer's thread adds the one it runs.
    SessionLogContext.install(Logger.getLogger(""));
    Injector injector;
    try {
      injector =
          Guice.createInjector(
              Stage.PRODUCTION,
              new ConfigModule(config, workers),
              new GrpcServerModule(),
              new SessionModule(),
              new StoreModule(),
              new MetricsModule(),
              new TrainingModule(),
              switch (workers.isolation()) {
                case INLINE -> Modules.EMPTY_MODULE;
                case PROCESS -> new WorkerModule();
                case KUBERNETES -> new KubernetesModule(kubernetes);
              });
    } catch (CreationException e) {
      // A setting only the engine can judge (a GPU it does not see) fails as the options above do: one
      // line naming it, not Guice's report of where in the wiring it was found.
      List<String> settings = configurationErrors(e);
      if (settings.isEmpty()) {
        throw e;
      }
      settings.forEach(message -> System.err.println("ablserve: " + message));
      return 2;
    }
    AblServer server;
    try {
      server = injector.getInstance(AblServer.class).start();
    } catch (java.io.IOException e) {
      // A service failed to start (a port taken, a store that cannot be written); the others are stopped.
      System.err.println("ablserve: " + e.getMessage());
      return 1;
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    server.close();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "ablserve-shutdown"));
    System.out.println("ablserve listening on " + config.bindAddress() + ":" + server.port());
    System.out.println("ablserve " + Exposure.describe(config));
    injector
        .getInstance(MetricsModule.MetricsEndpoint.class)
        .url()
        .ifPresent(url -> System.out.println("ablserve metrics on " + url));
    System.out.flush();
    Engine engine = Engine.getInstance();
    System.out.println(
        "ablserve device "
            + config.defaultDevice()
            + " (engine "
            + engine.getEngineName()
            + " "
            + engine.getVersion()
            + ", "
            + engine.getGpuCount()
            + " GPUs visible)");
    StringBuilder slots = new StringBuilder();
    for (DeviceSlot slot :
        injector.getInstance(SessionManager.class).slots(Principal.LOCAL)) {
      slots.append(slots.length() == 0 ? "" : ", ").append(slot.getName()).append('=')
          .append(slot.getDevice())
          .append(slot.getThreads() > 0 ? " (" + slot.getThreads() + " threads)" : "");
    }
    System.out.println(
        "ablserve isolation " + workers.isolation().name().toLowerCase(java.util.Locale.ROOT)
            + ", slots " + slots);
    System.out.flush();
    server.awaitTermination();
    return 0;
  }
}
