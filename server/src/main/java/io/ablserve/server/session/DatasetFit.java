package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.data.Attack;
import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.Attacks;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetSplit;
import io.ablserve.server.data.ImageSet;
import io.ablserve.server.data.Poisoning;
import io.ablserve.server.model.Models;
import io.ablserve.server.train.AblConfig;
import io.ablserve.server.train.Defense;
import io.ablserve.server.train.Experiment;
import java.io.IOException;

/**
 * What a config asks of its data, checked against the data before the session is queued: images to train
 * and test on, of a size and class count the models take, a trigger that fits the images, an attack the
 * training set has enough samples for, and an isolation that leaves both sets non-empty. Without it a
 * dataset of 0 training images "succeeded", {@code train_limit=1} failed later with "/ by zero", and SIG at
 * 20% waited 28 minutes in the queue to fail in 7 ms for want of target-class samples.
 */
final class DatasetFit implements SessionConfigResolver.ExperimentValidator {
  private final DatasetCatalog catalog;
  private final Attacks attacks;

  DatasetFit(DatasetCatalog catalog, Attacks attacks) {
    this.catalog = requireNonNull(catalog, "catalog");
    this.attacks = requireNonNull(attacks, "attacks");
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
    ImageSet images = split.train();
    if (images.numClasses() < 2) {
      throw new IllegalArgumentException(
          "dataset.name '" + name + "' has " + images.numClasses() + " class; training needs at least 2");
    }
    if (images.height() < Models.MIN_SIDE_PX || images.width() < Models.MIN_SIDE_PX) {
      throw new IllegalArgumentException(
          "dataset.name '" + name + "' has " + images.height() + "x" + images.width()
              + " images; the models need at least " + Models.MIN_SIDE_PX + "x" + Models.MIN_SIDE_PX);
    }
    AttackConfig config = experiment.attack();
    Attack attack = attacks.of(config.kind());
    attack.checkFits(config, images.height(), images.width());
    Poisoning.checkFeasible(images.labels(), images.numClasses(), attack, config);
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
