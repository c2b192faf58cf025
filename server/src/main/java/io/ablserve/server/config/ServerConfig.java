package io.ablserve.server.config;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.data.DatasetLimits;
import io.soabase.recordbuilder.core.RecordBuilder;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * How one server process runs. {@link #DEFAULTS} is the one place the defaults live; the command line and
 * the {@code ABLSERVE_*} environment variables override them field by field.
 *
 * @param port TCP port to listen on, in [0, 65535]; 0 picks any free port (the real one is printed).
 *     Default 50051, the usual gRPC port.
 * @param bindAddress address to listen on. Default {@code 127.0.0.1}: training is not for the open network.
 *     Any other than a loopback address needs a {@code tokenFile}.
 * @param dataDir where the server keeps its own files: the session database {@code ablserve.db} and
 *     uploaded datasets under {@code datasets/}. Default {@code ${user.home}/.ablserve}.
 * @param defaultDevice device for sessions that name none: {@code cpu}, {@code gpu} or {@code gpu:N}.
 *     Default {@code cpu}.
 * @param datasetRoots dataset name to a folder in a layout the dataset catalog recognises (IDX, CIFAR-10,
 *     GTSRB, npz, ImageFolder). Default
 *     {@code fashion-mnist -> /usr/share/datasets/fashion-mnist}.
 * @param maxQueuedSessions sessions that may wait for the trainer; one more is refused with
 *     RESOURCE_EXHAUSTED. Default 100.
 * @param maxQueuedPerUser sessions one user may have waiting for the trainer, >= 1; one more (created or
 *     resumed) is refused with RESOURCE_EXHAUSTED naming the user and the limit. Applies to every user of
 *     the {@code tokenFile}, admins too: admin rights are about seeing everyone's sessions, not about a
 *     bigger share of the queue. A server without a token file has one user, {@code local}, bounded by
 *     {@code maxQueuedSessions} alone (see {@link #queuedPerUserLimit}). Sessions an earlier process had
 *     queued are queued again after a restart even above a since lowered limit. Default 4.
 * @param tokenFile the users and their bearer tokens (see {@code auth.TokenFile}). Default none: every
 *     request acts as user {@code local}, and only a loopback bind address is allowed.
 * @param tlsCert PEM certificate chain to serve TLS with; set together with {@code tlsKey}. Default none
 *     (plaintext).
 * @param tlsKey PEM private key (PKCS#8) of {@code tlsCert}. Default none.
 * @param maxUploadBytes largest dataset upload accepted, in bytes, >= 1; a larger one is refused with
 *     RESOURCE_EXHAUSTED. Default 2 GiB.
 * @param metricsPort port of the Prometheus endpoint ({@code /metrics} on {@code metricsBindAddress}): -1
 *     turns it off, 0 picks a free port (printed at start). Default -1.
 * @param metricsBindAddress address the metrics endpoint listens on, apart from {@code bindAddress} so
 *     that a server open to the network keeps its metrics on the host. Default {@code 127.0.0.1}. Any
 *     other than a loopback address needs a {@code tokenFile}; with one, a scrape needs {@code
 *     Authorization: Bearer TOKEN} with any user's token from it, and with {@code tlsCert} the endpoint
 *     speaks HTTPS with the same certificate.
 * @param resumeInterrupted what a starting server does with a session an earlier process died running:
 *     {@code AUTO} queues it again to go on from its last per-epoch checkpoint (kept under {@code
 *     dataDir/sessions/ID/checkpoint/}); {@code MANUAL} marks it INTERRUPTED until ResumeSession, which goes
 *     on from the checkpoint too. Default {@code AUTO}.
 * @param datasetLimits the budgets every dataset is read under, uploaded or configured: bytes its arrays
 *     decode to, the image side, and for uploaded zips the entry count and unpacked bytes (see {@link
 *     DatasetLimits}, which holds their defaults: 2 GiB, 4096 px, 100,000 entries, 4 GiB). An upload over
 *     a size budget is refused with RESOURCE_EXHAUSTED, one with a too large image with INVALID_ARGUMENT.
 * @param minFreeBytes free space, in bytes, to keep on the file system of {@code dataDir}, >= 0 (0: no
 *     floor): below it CreateSession and ResumeSession are refused with RESOURCE_EXHAUSTED, as is an
 *     upload whose declared size would take the free space below it, naming the floor and the free
 *     space; so the disk does not fill under a running session. Default 512 MiB.
 * @param limits admission to the expensive calls and the per-connection transport limits; see {@link
 *     ServiceLimits}. Default {@link ServiceLimits#DEFAULTS}.
 * @param api page sizes of the List calls and the retention of finished sessions; see {@link
 *     ApiPolicy}. Default {@link ApiPolicy#DEFAULTS}: pages of 100 (at most 1000), sessions kept for ever.
 *
 * <p>A copy with one setting changed is {@code withX} of the generated {@code ServerConfigBuilder.With}
 * (record-builder), so a new setting is one component here and its check in the constructor.
 */
@RecordBuilder
public record ServerConfig(
    int port,
    String bindAddress,
    Path dataDir,
    String defaultDevice,
    Map<String, Path> datasetRoots,
    int maxQueuedSessions,
    int maxQueuedPerUser,
    Optional<Path> tokenFile,
    Optional<Path> tlsCert,
    Optional<Path> tlsKey,
    long maxUploadBytes,
    int metricsPort,
    String metricsBindAddress,
    ResumeInterrupted resumeInterrupted,
    DatasetLimits datasetLimits,
    long minFreeBytes,
    ServiceLimits limits,
    ApiPolicy api) implements ServerConfigBuilder.With {

  public static final ServerConfig DEFAULTS =
      new ServerConfig(
          50051,
          "127.0.0.1",
          Path.of(System.getProperty("user.home"), ".ablserve"),
          "cpu",
          Map.of("fashion-mnist", Path.of("/usr/share/datasets/fashion-mnist")),
          100,
          4,
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          2L << 30,
          -1,
          "127.0.0.1",
          ResumeInterrupted.AUTO,
          DatasetLimits.DEFAULTS,
          512L << 20,
          ServiceLimits.DEFAULTS,
          ApiPolicy.DEFAULTS);

  public ServerConfig {
    requireNonNull(bindAddress, "bindAddress");
    requireNonNull(metricsBindAddress, "metricsBindAddress");
    requireNonNull(dataDir, "dataDir");
    requireNonNull(defaultDevice, "defaultDevice");
    requireNonNull(datasetRoots, "datasetRoots");
    requireNonNull(tokenFile, "tokenFile");
    requireNonNull(tlsCert, "tlsCert");
    requireNonNull(tlsKey, "tlsKey");
    requireNonNull(resumeInterrupted, "resumeInterrupted");
    requireNonNull(datasetLimits, "datasetLimits");
    requireNonNull(limits, "limits");
    requireNonNull(api, "api");
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
    }
    if (bindAddress.isBlank()) {
      throw new IllegalArgumentException("bind address must not be blank");
    }
    if (defaultDevice.isBlank()) {
      throw new IllegalArgumentException("default device must not be blank");
    }
    if (maxQueuedSessions < 1) {
      throw new IllegalArgumentException(
          "max queued sessions must be >= 1, got " + maxQueuedSessions);
    }
    if (maxQueuedPerUser < 1) {
      throw new IllegalArgumentException(
          "max queued sessions per user must be >= 1, got " + maxQueuedPerUser);
    }
    if (tlsCert.isPresent() != tlsKey.isPresent()) {
      throw new IllegalArgumentException("TLS needs both a certificate and a key, or neither");
    }
    if (maxUploadBytes < 1) {
      throw new IllegalArgumentException("max upload bytes must be >= 1, got " + maxUploadBytes);
    }
    if (metricsPort < -1 || metricsPort > 65_535) {
      throw new IllegalArgumentException(
          "metrics port must be -1 (off) or in [0, 65535], got " + metricsPort);
    }
    if (metricsBindAddress.isBlank()) {
      throw new IllegalArgumentException("metrics bind address must not be blank");
    }
    if (minFreeBytes < 0) {
      throw new IllegalArgumentException("min free bytes must be >= 0, got " + minFreeBytes);
    }
    datasetRoots = Collections.unmodifiableMap(new TreeMap<>(datasetRoots));
  }

  /** Every setting but the dataset limits, the free-space floor and the service limits, at their defaults. */
  public ServerConfig(
      int port,
      String bindAddress,
      Path dataDir,
      String defaultDevice,
      Map<String, Path> datasetRoots,
      int maxQueuedSessions,
      int maxQueuedPerUser,
      Optional<Path> tokenFile,
      Optional<Path> tlsCert,
      Optional<Path> tlsKey,
      long maxUploadBytes,
      int metricsPort,
      ResumeInterrupted resumeInterrupted) {
    this(port, bindAddress, dataDir, defaultDevice, datasetRoots, maxQueuedSessions, maxQueuedPerUser,
        tokenFile, tlsCert, tlsKey, maxUploadBytes, metricsPort, DEFAULTS.metricsBindAddress(),
        resumeInterrupted, DatasetLimits.DEFAULTS, DEFAULTS.minFreeBytes(), ServiceLimits.DEFAULTS, ApiPolicy.DEFAULTS);
  }

  /** The first six settings, the rest at their defaults. */
  public ServerConfig(
      int port,
      String bindAddress,
      Path dataDir,
      String defaultDevice,
      Map<String, Path> datasetRoots,
      int maxQueuedSessions) {
    this(port, bindAddress, dataDir, defaultDevice, datasetRoots, maxQueuedSessions,
        DEFAULTS.maxQueuedPerUser(), Optional.empty(), Optional.empty(), Optional.empty(), DEFAULTS.maxUploadBytes(),
        DEFAULTS.metricsPort(), DEFAULTS.metricsBindAddress(), DEFAULTS.resumeInterrupted(),
        DEFAULTS.datasetLimits(), DEFAULTS.minFreeBytes(), DEFAULTS.limits(), DEFAULTS.api());
  }

  public ServerConfig withTokenFile(Path file) {
    return withTokenFile(Optional.of(file));
  }

  public ServerConfig withTls(Path cert, Path key) {
    return with(b -> b.tlsCert(Optional.of(cert)).tlsKey(Optional.of(key))); // one check of the pair
  }

  /**
   * The per-user limit on queued sessions in force: {@code maxQueuedPerUser} on a server with a token
   * file, none without one (its single user is bounded by {@code maxQueuedSessions}).
   */
  public OptionalInt queuedPerUserLimit() {
    return tokenFile.isPresent() ? OptionalInt.of(maxQueuedPerUser) : OptionalInt.empty();
  }

  /**
   * The largest inbound gRPC message: {@link ServiceLimits#maxMessageBytes}, but no more than an upload
   * could need (the upload limit plus {@link ServiceLimits#MESSAGE_OVERHEAD_BYTES}).
   */
  public int maxInboundMessageBytes() {
    return (int) Math.min(
        limits.maxMessageBytes(), maxUploadBytes + ServiceLimits.MESSAGE_OVERHEAD_BYTES);
  }
}
