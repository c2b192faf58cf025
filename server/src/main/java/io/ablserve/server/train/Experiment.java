package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.DatasetRef;
import io.ablserve.server.model.ModelArch;

/** Everything one ABL run needs, independent of how it was requested. */
public record Experiment(
    DatasetRef dataset, AttackConfig attack, ModelArch model, AblConfig abl, long seed) {
  public Experiment {
    requireNonNull(dataset, "dataset");
    requireNonNull(attack, "attack");
    requireNonNull(model, "model");
    requireNonNull(abl, "abl");
  }
}
