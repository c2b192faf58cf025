package io.ablserve.server.store;

import static java.util.Objects.requireNonNull;

import io.ablserve.v1.Dataset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Keeps dataset records on the heap; they are lost when the process ends. */
public final class InMemoryDatasetStore implements DatasetStore {
  private final Map<String, Dataset> datasets = new LinkedHashMap<>(); // guarded by this
  private final Map<String, Long> keys = new HashMap<>(); // guarded by this
  private final HeapRequestIds requests = new HeapRequestIds(); // guarded by this
  private long lastKey; // guarded by this

  @Override
  public synchronized void put(Dataset dataset) {
    requireNonNull(dataset, "dataset");
    datasets.put(dataset.getId(), dataset);
    keys.computeIfAbsent(dataset.getId(), id -> ++lastKey);
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
  public synchronized List<Listed<Dataset>> listPage(
      Optional<String> owner, long beforeKey, int limit) {
    List<Listed<Dataset>> page = new ArrayList<>();
    for (Dataset dataset : list()) {
      long key = keys.get(dataset.getId());
      if (page.size() == limit) {
        break;
      }
      if (key < beforeKey && owner.map(dataset.getOwner()::equals).orElse(true)) {
        page.add(new Listed<>(key, dataset));
      }
    }
    return page;
  }

  @Override
  public synchronized boolean delete(String datasetId) {
    keys.remove(datasetId);
    requests.forget(datasetId);
    return datasets.remove(datasetId) != null;
  }

  @Override
  public synchronized Optional<String> findRequest(String owner, String requestId) {
    return requests.find(owner, requestId);
  }

  @Override
  public synchronized String rememberRequest(String owner, String requestId, String datasetId) {
    return requests.remember(owner, requestId, datasetId);
  }
}
