package io.ablserve.server.data;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The datasets a server offers, by name. Each name maps to a folder in one of the layouts of
 * {@link DatasetFormat} (IDX, CIFAR-10 binary, GTSRB, NumPy npz, ImageFolder), recognised by its files.
 * Loaded datasets are kept in memory: sessions on the same data share one copy.
 */
public final class DatasetCatalog {
  private final Map<String, Path> roots;
  private final Map<String, DatasetSplit> loaded = new ConcurrentHashMap<>();

  public DatasetCatalog(Map<String, Path> roots) {
    this.roots = new TreeMap<>(requireNonNull(roots, "roots"));
  }

  /** The names this catalog serves, sorted. */
  public Iterable<String> names() {
    return roots.keySet();
  }

  /** The shape of a named dataset; IllegalArgumentException names the known datasets. */
  public DatasetInfo describe(String name) throws IOException {
    ImageSet test = load(name).test();
    return new DatasetInfo(name, test.channels(), test.height(), test.width(), test.numClasses());
  }

  /** The named dataset cut to the reference's limits. */
  public DatasetSplit load(DatasetRef ref) throws IOException {
    DatasetSplit full = load(ref.name());
    return new DatasetSplit(full.train().head(ref.trainLimit()), full.test().head(ref.testLimit()));
  }

  private DatasetSplit load(String name) throws IOException {
    Path root = roots.get(name);
    if (root == null) {
      throw new IllegalArgumentException(
          "dataset.name '" + name + "' is unknown; this server has " + roots.keySet());
    }
    DatasetSplit split = loaded.get(name);
    if (split == null) {
      split = DatasetFormat.detect(root).read(root);
      loaded.putIfAbsent(name, split);
    }
    return split;
  }
}
