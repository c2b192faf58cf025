package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetSplit;
import io.ablserve.server.train.AblConfig;
import io.ablserve.server.train.Defense;
import io.ablserve.server.train.Experiment;
import java.io.IOException;

/**
 * What a config asks of its data, checked against the data before the session is queued: images to train
 * and test on, a trigger that fits the images, and an isolation that leaves both sets non-empty. Without
 * it a dataset of 0 training images "succeeded" and {@code train_limit=1} failed later with "/ by zero".
 */
final class DatasetFit implements SessionConfigResolver.ExperimentValidator {
  private final DatasetCatalog catalog;

  DatasetFit(DatasetCatalog catalog) {
    this.catalog = requireNonNull(catalog, "catalog");
  }

  @Override
  public void validate(Experiment experiment) throws IOException {
    DatasetSplit split = catalog.load(experiment.dataset());
    String name = experiment.dataset().name();
    int train = split.train().size();
    if (train == 0) {
      throw new IllegalArgumentException("dataset.name '" + name + "' has no training images");
    }
    if (split.test().size() == 0) {
      throw new IllegalArgumentException("dataset.name '" + name + "' has no test images");
    }
    experiment.attack().checkFits(split.train().height(), split.train().width());
    AblConfig abl = experiment.abl();
    if (abl.defense() == Defense.ABL) {
      if (train < 2) {
        throw new IllegalArgumentException(
            "dataset.train_limit must leave ABL at least 2 training images (one isolated, one kept);"
                + " dataset.name '" + name + "' gives " + train);
      }
      long isolated = isolatedCount(abl.isolationRatio(), train);
      if (isolated >= train) {
        throw new IllegalArgumentException(
            "abl.isolation_ratio must be in (0, " + (train - 0.5) / train + ") for " + train
                + " training images so that one is kept, got " + abl.isolationRatio());
      }
    }
  }

  /** As the trainer counts them: {@code round(ratio * n)}, at least 1 and at most {@code n}. */
  static long isolatedCount(double ratio, int n) {
    return Math.min(n, Math.max(1, Math.round(ratio * n)));
  }
}
