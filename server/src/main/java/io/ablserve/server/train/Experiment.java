package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.CleanData;
import io.ablserve.server.data.DatasetRef;
import io.ablserve.server.model.ModelArch;

/**
 * Everything one run needs, independent of how it was requested. {@code cleanData} and {@code fineTuning}
 * matter only to the defences that fine-tune on a trusted clean subset ({@link Defense#usesCleanData}).
 */
public record Experiment(
    DatasetRef dataset,
    AttackConfig attack,
    ModelArch model,
    AblConfig abl,
    long seed,
    CleanData cleanData,
    FineTuning fineTuning) {
  public Experiment {
    requireNonNull(dataset, "dataset");
    requireNonNull(attack, "attack");
    requireNonNull(model, "model");
    requireNonNull(abl, "abl");
    requireNonNull(cleanData, "cleanData");
    requireNonNull(fineTuning, "fineTuning");
  }

  /** An experiment with the clean subset and fine-tuning at their defaults for {@code abl}. */
  public Experiment(DatasetRef dataset, AttackConfig attack, ModelArch model, AblConfig abl, long seed) {
    this(dataset, attack, model, abl, seed, CleanData.DEFAULTS, FineTuning.defaultsFor(abl));
  }

  /** This experiment with {@code attack} in place of its own. */
  public Experiment withAttack(AttackConfig attack) {
    return new Experiment(dataset, attack, model, abl, seed, cleanData, fineTuning);
  }
}
