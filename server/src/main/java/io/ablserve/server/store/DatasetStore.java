package io.ablserve.server.store;

import io.ablserve.v1.Dataset;
import java.util.List;
import java.util.Optional;

/** The records of uploaded datasets (their files live under the data folder). Thread-safe. */
public interface DatasetStore {

  /** Records a dataset whose files are in place. */
  void put(Dataset dataset);

  Optional<Dataset> find(String datasetId);

  /** All datasets, newest first. */
  List<Dataset> list();

  /** As {@link SessionStore#listPage}: a page of datasets, newest first, only {@code owner}'s if given. */
  List<Listed<Dataset>> listPage(Optional<String> owner, long beforeKey, int limit);

  /** Forgets a dataset and the request ids that name it; false when there was none. */
  boolean delete(String datasetId);

  /** The dataset that {@code owner}'s upload with {@code requestId} created, if any. */
  Optional<String> findRequest(String owner, String requestId);

  /** As {@link SessionStore#rememberRequest}, for uploads. */
  String rememberRequest(String owner, String requestId, String datasetId);
}
