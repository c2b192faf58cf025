package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.auth.Principal;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetFormat;
import io.ablserve.server.data.DatasetLimits;
import io.ablserve.server.data.DatasetSplit;
import io.ablserve.server.data.DatasetTooLargeException;
import io.ablserve.server.data.ImageSet;
import io.ablserve.server.store.DatasetStore;
import io.ablserve.server.store.Listed;
import io.ablserve.server.store.PrivateFiles;
import io.ablserve.v1.Dataset;
import io.ablserve.v1.DatasetUploadMetadata;
import io.ablserve.v1.UploadFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The datasets users upload: staged under {@code <dataDir>/datasets/.incoming/}, checked (size, SHA-256,
 * safe unpacking, and a full load by the same readers training uses), and only then moved in one step to
 * {@code <dataDir>/datasets/<id>/}, recorded, and offered to sessions under their id. Unpacking and
 * loading run under the server's {@link DatasetLimits}. Uploads belong to their uploader; other users
 * cannot see or train on them, admins can.
 */
public final class UploadedDatasets implements DatasetAccess, ExpiringUploads {
  private static final Logger logger = Logger.getLogger(UploadedDatasets.class.getName());
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
  private static final int MAX_NAME_CHARS = 200;
  /** The retention sweep acts for no user and sees every upload. */
  private static final Principal RETENTION = new Principal("retention", true);

  private final DatasetStore store;
  private final DatasetCatalog catalog;
  private final Path root;
  private final Path incoming;
  private final long maxUploadBytes;
  private final DatasetLimits limits;
  private final StorageGuard storage;
  private final Clock clock;
  private final Object requestLock = new Object();

  /** Offers the recorded datasets to the catalog and clears uploads a stopped process left half-done. */
  public UploadedDatasets(
      DatasetStore store,
      DatasetCatalog catalog,
      ServerConfig config,
      StorageGuard storage,
      Clock clock)
      throws IOException {
    this.storage = requireNonNull(storage, "storage");
    this.store = requireNonNull(store, "store");
    this.catalog = requireNonNull(catalog, "catalog");
    this.root = config.dataDir().resolve("datasets");
    this.incoming = root.resolve(".incoming");
    this.maxUploadBytes = config.maxUploadBytes();
    this.limits = config.datasetLimits();
    this.clock = requireNonNull(clock, "clock");
    DatasetUpload.deleteTree(incoming);
    PrivateFiles.createDirectories(incoming);
    PrivateFiles.restrict(root);
    for (Dataset dataset : store.list()) {
      Path folder = root.resolve(dataset.getId());
      if (Files.isDirectory(folder)) {
        catalog.register(dataset.getId(), folder);
      } else {
        logger.warning("dataset " + dataset.getId() + " is recorded but " + folder + " is missing");
      }
    }
  }

  @Override
  public void checkUsable(String datasetName, Principal caller) {
    if (catalog.isConfigured(datasetName)) {
      return;
    }
    store.find(datasetName).ifPresent(dataset -> {
      if (!caller.canSee(dataset.getOwner())) {
        throw new IllegalArgumentException(
            "dataset.name '" + datasetName + "' is unknown: neither a configured dataset nor one of"
                + " your uploads");
      }
    });
  }

  /**
   * Starts an upload described by {@code metadata}. IllegalArgumentException for bad metadata, {@link
   * UploadTooLargeException} when {@code total_bytes} exceeds the limit, {@link StorageGuard}'s
   * refusals when the disk cannot take it.
   */
  public DatasetUpload begin(DatasetUploadMetadata metadata, Principal owner) throws IOException {
    String name = metadata.getName();
    if (name.isBlank() || name.length() > MAX_NAME_CHARS) {
      throw new IllegalArgumentException(
          "metadata.name must have 1 to " + MAX_NAME_CHARS + " characters, got " + name.length());
    }
    if (metadata.getFormat() != UploadFormat.UPLOAD_FORMAT_NPZ
        && metadata.getFormat() != UploadFormat.UPLOAD_FORMAT_ZIP) {
      throw new IllegalArgumentException(
          "metadata.format must be UPLOAD_FORMAT_NPZ or UPLOAD_FORMAT_ZIP, got " + metadata.getFormat());
    }
    if (metadata.getTotalBytes() < 1) {
      throw new IllegalArgumentException(
          "metadata.total_bytes must be >= 1, got " + metadata.getTotalBytes());
    }
    if (metadata.getTotalBytes() > maxUploadBytes) {
      throw new UploadTooLargeException(metadata.getTotalBytes(), maxUploadBytes);
    }
    if (!SHA256_HEX.matcher(metadata.getSha256()).matches()) {
      throw new IllegalArgumentException(
          "metadata.sha256 must be 64 hex digits, got '" + metadata.getSha256() + "'");
    }
    storage.check("uploads", metadata.getTotalBytes());
    Path folder = PrivateFiles.createDirectories(incoming.resolve(UUID.randomUUID().toString()));
    return new DatasetUpload(metadata, owner, folder, maxUploadBytes);
  }

  /**
   * The dataset that an earlier upload of {@code owner}'s with {@code metadata}'s request_id created,
   * while it exists; empty without a request_id. IllegalArgumentException for a request_id that is not
   * a UUID.
   */
  public Optional<Dataset> previousUpload(DatasetUploadMetadata metadata, Principal owner) {
    if (metadata.getRequestId().isEmpty()) {
      return Optional.empty();
    }
    String request = RequestIds.check("metadata.request_id", metadata.getRequestId());
    return store.findRequest(owner.user(), request).flatMap(store::find);
  }

  /**
   * Checks, unpacks and loads a complete upload, then publishes it; or, when an upload with the same
   * request_id published a dataset meanwhile, returns that one and keeps nothing of this one. On any failure the upload's folder is
   * gone and nothing was recorded: IllegalArgumentException with what was wrong with the data, {@link
   * UploadTooLargeException} when it unpacks or decodes to more than a budget allows.
   */
  public Dataset finish(DatasetUpload upload) throws IOException {
    try {
      Path file = upload.complete();
      Path unpacked = upload.folder().resolve("unpacked");
      PrivateFiles.createDirectories(unpacked);
      if (upload.metadata().getFormat() == UploadFormat.UPLOAD_FORMAT_NPZ) {
        Files.move(file, unpacked.resolve("dataset.npz"));
      } else {
        ZipExtraction.unzip(file, unpacked, limits);
        Files.delete(file);
      }
      PrivateFiles.restrictTree(unpacked); // unpacked under the umask
      Path dataRoot = soleFolder(unpacked);
      DatasetFormat format;
      DatasetSplit split;
      try {
        format = DatasetFormat.detect(dataRoot);
        split = format.read(dataRoot, limits);
      } catch (DatasetTooLargeException e) {
        throw new UploadTooLargeException("the dataset is too large to load: " + inUpload(e, dataRoot));
      } catch (IOException | RuntimeException e) {
        throw new IllegalArgumentException("the dataset does not load: " + inUpload(e, dataRoot), e);
      }
      synchronized (requestLock) { // two uploads with one request id publish one dataset
        Optional<Dataset> earlier = previousUpload(upload.metadata(), upload.owner());
        if (earlier.isPresent()) {
          return earlier.get();
        }
        return publish(upload, dataRoot, format, split);
      }
    } finally {
      upload.abort();
    }
  }

  private Dataset publish(
      DatasetUpload upload, Path dataRoot, DatasetFormat format, DatasetSplit split)
      throws IOException {
    String id = "ds-" + UUID.randomUUID().toString().replace("-", "");
    Path published = root.resolve(id);
    Files.move(dataRoot, published, StandardCopyOption.ATOMIC_MOVE);
    Dataset dataset = record(id, upload, format, split);
    try {
      store.put(dataset);
      if (!upload.metadata().getRequestId().isEmpty()) {
        store.rememberRequest(
            upload.owner().user(),
            RequestIds.check("metadata.request_id", upload.metadata().getRequestId()),
            id);
      }
      catalog.register(id, published);
    } catch (RuntimeException e) {
      store.delete(id);
      DatasetUpload.deleteTree(published);
      throw e;
    }
    return dataset;
  }

  /**
   * Up to {@code limit} of the datasets {@code caller} can see with a listing key below {@code
   * beforeKey} ({@link Long#MAX_VALUE}: from the newest), newest first.
   */
  public List<Listed<Dataset>> listPage(Principal caller, long beforeKey, int limit) {
    return store.listPage(
        caller.admin() ? Optional.empty() : Optional.of(caller.user()), beforeKey, limit);
  }

  /** The datasets {@code caller} can see, newest first. */
  public List<Dataset> list(Principal caller) {
    return store.list().stream().filter(d -> caller.canSee(d.getOwner())).toList();
  }

  /**
   * Removes a dataset the caller can see, its record first so no new session can pick it up.
   * IllegalTransitionException while {@code inUse} says a waiting or running session needs it.
   */
  public void delete(String datasetId, Principal caller, Predicate<String> inUse) {
    Dataset dataset =
        store.find(datasetId)
            .filter(d -> caller.canSee(d.getOwner()))
            .orElseThrow(() -> new DatasetNotFoundException(datasetId));
    if (inUse.test(datasetId)) {
      throw new IllegalTransitionException(
          "dataset '" + datasetId + "' is in use by a QUEUED or RUNNING session");
    }
    store.delete(dataset.getId());
    catalog.unregister(dataset.getId());
    DatasetUpload.deleteTree(root.resolve(dataset.getId()));
  }

  /**
   * Deletes, as {@link #delete} does, every upload created before {@code cutoff} that {@code inUse} does
   * not claim; one that a session picked up meanwhile is refused by that same check and stays.
   */
  @Override
  public int deleteUnusedCreatedBefore(Instant cutoff, Predicate<String> inUse) {
    int deleted = 0;
    for (Dataset dataset : store.list()) {
      if (!dataset.hasCreatedAt()
          || !EventLog.instant(dataset.getCreatedAt()).isBefore(cutoff)
          || inUse.test(dataset.getId())) {
        continue;
      }
      try {
        delete(dataset.getId(), RETENTION, inUse);
        deleted++;
      } catch (DatasetNotFoundException | IllegalTransitionException e) {
        // Deleted by its owner, or picked up by a session, since the listing: nothing to do.
      }
    }
    return deleted;
  }

  /** The readers name files by their full path; the client knows them by their place in the upload. */
  private static String inUpload(Exception e, Path dataRoot) {
    return String.valueOf(e.getMessage())
        .replace(dataRoot + "/", "")
        .replace(dataRoot.toString(), "the upload");
  }

  /** The folder holding the data: the unpacked root, or its only entry when that is a folder. */
  private static Path soleFolder(Path unpacked) throws IOException {
    try (Stream<Path> entries = Files.list(unpacked)) {
      List<Path> all = entries.filter(p -> !p.getFileName().toString().equals("__MACOSX")).toList();
      return all.size() == 1 && Files.isDirectory(all.get(0)) ? all.get(0) : unpacked;
    }
  }

  private Dataset record(String id, DatasetUpload upload, DatasetFormat format, DatasetSplit split) {
    ImageSet train = split.train();
    return Dataset.newBuilder()
        .setId(id)
        .setName(upload.metadata().getName())
        .setOwner(upload.owner().user())
        .setFormat(upload.metadata().getFormat())
        .setLayout(format.name())
        .setSizeBytes(upload.metadata().getTotalBytes())
        .setSha256(upload.metadata().getSha256().toLowerCase(java.util.Locale.ROOT))
        .setTrainSamples(train.size())
        .setTestSamples(split.test().size())
        .setChannels(train.channels())
        .setHeightPx(train.height())
        .setWidthPx(train.width())
        .setNumClasses(Math.max(train.numClasses(), split.test().numClasses()))
        .setCreatedAt(EventLog.timestamp(clock.instant()))
        .build();
  }
}
