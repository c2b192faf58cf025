package io.ablserve.server.store;

import static java.util.Objects.requireNonNull;

import io.ablserve.v1.Dataset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Keeps dataset records on the heap; they are lost when the process ends. */
public final class InMemoryDatasetStore implements DatasetStore {
  private final Map<String, Dataset> datasets = new LinkedHashMap<>(); // guarded by this

  @Override
  public synchronized void put(Dataset dataset) {
    requireNonNull(dataset, "dataset");
    datasets.put(dataset.getId(), dataset);
  }

  @Override
  public synchronized Optional<Dataset> find(String datasetId) {
    return Optional.ofNullable(datasets.get(datasetId));
  }

  @Override
  public synchronized List<Dataset> list() {
    List<Dataset> newestFirst = new ArrayList<>(datasets.values());
    Collections.reverse(newestFirst);
    return newestFirst;
  }

  @Override
  public synchronized boolean delete(String datasetId) {
    return datasets.remove(datasetId) != null;
  }
}
