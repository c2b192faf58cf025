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

  /** Forgets a dataset; false when there was none. */
  boolean delete(String datasetId);
}
