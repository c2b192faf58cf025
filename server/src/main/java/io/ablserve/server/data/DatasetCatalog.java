package io.ablserve.server.data;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The datasets a server offers, by name. Each name maps to a folder in one of the layouts of
 * {@link DatasetFormat} (IDX, CIFAR-10 binary, GTSRB, NumPy npz, ImageFolder), recognised by its files.
 * Loaded datasets are kept in memory: sessions on the same data share one copy. Configured ones stay (the
 * configuration bounds them); of the uploaded ones, which grow with every upload, only the {@code
 * maxLoadedUploads} used last stay, and one dropped is read again when next asked for.
 */
public final class DatasetCatalog {
  private final Map<String, Path> roots;
  private final DatasetLimits limits;
  // Added at run time (uploads); kept apart so error messages list only the configured names.
  private final Map<String, Path> registered = new ConcurrentHashMap<>();
  private final Map<String, DatasetSplit> loaded = new ConcurrentHashMap<>();
  /** Loaded uploads, least recently used first. Guarded by itself. */
  private final Map<String, DatasetSplit> loadedUploads;

  /** Uploaded datasets kept loaded by default: a few sessions at once on different uploads share copies. */
  public static final int DEFAULT_LOADED_UPLOADS = 4;

  /** A catalog that reads its datasets under {@code limits}, keeping {@code maxLoadedUploads} uploads loaded. */
  public DatasetCatalog(Map<String, Path> roots, DatasetLimits limits, int maxLoadedUploads) {
    this.roots = new TreeMap<>(requireNonNull(roots, "roots"));
    this.limits = requireNonNull(limits, "limits");
    if (maxLoadedUploads < 0) {
      throw new IllegalArgumentException("maxLoadedUploads must be >= 0, got " + maxLoadedUploads);
    }
    this.loadedUploads =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, DatasetSplit> eldest) {
            return size() > maxLoadedUploads;
          }
        };
  }

  /** A catalog that reads its datasets under {@code limits}. */
  public DatasetCatalog(Map<String, Path> roots, DatasetLimits limits) {
    this(roots, limits, DEFAULT_LOADED_UPLOADS);
  }

  /** A catalog that reads its datasets under {@link DatasetLimits#DEFAULTS}. */
  public DatasetCatalog(Map<String, Path> roots) {
    this(roots, DatasetLimits.DEFAULTS);
  }

  /** The names this catalog was configured with, sorted. */
  public Iterable<String> names() {
    return roots.keySet();
  }

  /** True for a name the catalog was configured with (not one registered later). */
  public boolean isConfigured(String name) {
    return roots.containsKey(name);
  }

  /**
   * Serves the dataset in {@code root} under {@code name} from now on, unlisted in error messages.
   * IllegalArgumentException when the name is taken by another folder.
   */
  public void register(String name, Path root) {
    requireNonNull(root, "root");
    Path before = roots.containsKey(name) ? roots.get(name) : registered.putIfAbsent(name, root);
    if (before != null && !before.equals(root)) {
      throw new IllegalArgumentException("dataset name '" + name + "' is taken");
    }
  }

  /** The folder served under {@code name}, configured or registered; empty for an unknown name. */
  public Optional<Path> root(String name) {
    return Optional.ofNullable(roots.containsKey(name) ? roots.get(name) : registered.get(name));
  }

  /** Stops serving a registered name and drops its loaded copy. */
  public void unregister(String name) {
    if (registered.remove(name) != null) {
      synchronized (loadedUploads) {
        loadedUploads.remove(name);
      }
    }
  }

  /** The uploaded datasets held loaded now. */
  public int loadedUploads() {
    synchronized (loadedUploads) {
      return loadedUploads.size();
    }
  }

  /**
   * The configured datasets, sorted by name, as far as they are known without reading pixels: each one's
   * layout (empty when its folder cannot be recognised) and, once loaded, its data.
   */
  public List<Entry> configured() {
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<String, Path> root : roots.entrySet()) {
      String layout;
      try {
        layout = DatasetFormat.detect(root.getValue()).name();
      } catch (IOException e) {
        layout = "";
      }
      entries.add(new Entry(root.getKey(), layout, Optional.ofNullable(loaded.get(root.getKey()))));
    }
    return entries;
  }

  /** A configured dataset: its name, its {@link DatasetFormat}'s name, and its data once loaded. */
  public record Entry(String name, String layout, Optional<DatasetSplit> loaded) {}

  /** The shape of a named dataset; IllegalArgumentException names the known datasets. */
  public DatasetInfo describe(String name) throws IOException {
    ImageSet test = load(name).test();
    return new DatasetInfo(name, test.channels(), test.height(), test.width(), test.numClasses());
  }

  /**
   * The refusal of a name this catalog does not serve. Also the answer for another user's upload, so the
   * two cannot be told apart; it quotes at most 64 characters of the name.
   */
  public IllegalArgumentException unknown(String name) {
    String quoted = name.length() <= 64 ? name : name.substring(0, 64) + "...";
    return new IllegalArgumentException(
        "dataset.name '" + quoted + "' is unknown; this server has " + roots.keySet());
  }

  /** The named dataset cut to the reference's limits. */
  public DatasetSplit load(DatasetRef ref) throws IOException {
    DatasetSplit full = load(ref.name());
    return new DatasetSplit(full.train().head(ref.trainLimit()), full.test().head(ref.testLimit()));
  }

  private DatasetSplit load(String name) throws IOException {
    if (roots.containsKey(name)) {
      DatasetSplit split = loaded.get(name);
      if (split == null) {
        split = read(roots.get(name));
        loaded.putIfAbsent(name, split);
      }
      return split;
    }
    Path root = registered.get(name);
    if (root == null) {
      throw unknown(name);
    }
    DatasetSplit split;
    synchronized (loadedUploads) {
      split = loadedUploads.get(name);
    }
    if (split == null) {
      split = read(root); // outside the lock: a read takes seconds, and other names need not wait
      synchronized (loadedUploads) {
        if (registered.containsKey(name)) { // not if it was deleted meanwhile
          loadedUploads.putIfAbsent(name, split);
        }
      }
    }
    return split;
  }

  private DatasetSplit read(Path root) throws IOException {
    return DatasetFormat.detect(root).read(root, limits);
  }
}
