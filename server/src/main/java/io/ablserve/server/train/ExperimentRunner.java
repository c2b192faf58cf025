package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetInfo;
import java.io.IOException;
import java.util.function.BooleanSupplier;

/** Loads an experiment's data, poisons it, builds its model and runs ABL on it. */
public final class ExperimentRunner {
  private final DatasetCatalog catalog;

  public ExperimentRunner(DatasetCatalog catalog) {
    this.catalog = requireNonNull(catalog, "catalog");
  }

  /**
   * Checks what only the dataset can tell (known name, target label in range); IllegalArgumentException
   * names the field and the allowed range.
   */
  public void validate(Experiment experiment) throws IOException {
    DatasetInfo info = catalog.describe(experiment.dataset().name());
    int target = experiment.attack().targetLabel();
    if (target >= info.numClasses()) {
      throw new IllegalArgumentException(
          "attack.target_label must be in [0, " + info.numClasses() + ") for dataset '"
              + info.name() + "', got " + target);
    }
  }

  /**
   * Runs the experiment to the end on {@code device}. Throws {@link TrainingCancelledException} within one
   * step of {@code cancelled} turning true.
   */
  public TrainingOutcome run(
      Experiment experiment, Device device, TrainingListener listener, BooleanSupplier cancelled)
      throws IOException {
    throw new UnsupportedOperationException("in progress");
  }
}
