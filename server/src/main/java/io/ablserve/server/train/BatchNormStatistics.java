package io.ablserve.server.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import java.util.ArrayList;
import java.util.List;

/**
 * Recomputes a network's BatchNorm running statistics from scratch on a set of samples, for weights that
 * were set rather than trained (a point on MCR's curve): the statistics they came with belong to other
 * weights. As PyTorch's cumulative average ({@code momentum=None}, the MCR code's {@code bn_update}): each
 * batch's own statistics, averaged over the samples. Each batch runs in training mode without gradients from
 * running statistics of zero, so every layer is left holding (1 - momentum) times that batch's statistics;
 * nothing else of the network changes.
 */
final class BatchNormStatistics {
  /** DJL's BatchNorm momentum by default, which every network of {@code Models} is built with. */
  static final float MOMENTUM = 0.9f;

  private final Trainer trainer;
  private final BatchLoader loader;
  private final int[] samples;
  private final int batchSize;
  private final List<Parameter> statistics;

  /** Statistics of {@code trainer}'s model over {@code samples} of {@code loader}, in batches of {@code batchSize}. */
  BatchNormStatistics(Trainer trainer, BatchLoader loader, int[] samples, int batchSize) {
    this.trainer = trainer;
    this.loader = loader;
    this.samples = samples.clone();
    this.batchSize = batchSize;
    this.statistics =
        trainer.getModel().getBlock().getParameters().values().stream()
            .filter(p -> p.getType() == Parameter.Type.RUNNING_MEAN || p.getType() == Parameter.Type.RUNNING_VAR)
            .toList();
  }

  /** Replaces every BatchNorm layer's running mean and variance with the samples' average batch statistics. */
  void recompute() {
    if (statistics.isEmpty() || samples.length == 0) {
      return;
    }
    Block block = trainer.getModel().getBlock();
    ParameterStore store = new ParameterStore(trainer.getManager(), false);
    try (NDManager scope = trainer.getManager().newSubManager()) {
      Evaluator.withoutGradients(
          () -> {
            List<NDArray> sums = new ArrayList<>();
            for (Parameter p : statistics) {
              NDArray sum = p.getArray().zerosLike();
              sum.attach(scope);
              sums.add(sum);
            }
            for (int from = 0; from < samples.length; from += batchSize) {
              int to = Math.min(samples.length, from + batchSize);
              statistics.forEach(p -> p.getArray().muli(0f));
              try (NDManager batch = scope.newSubManager()) {
                block.forward(store, new NDList(loader.images(batch, samples, from, to)), true);
              }
              float weight = (to - from) / ((1 - MOMENTUM) * samples.length);
              for (int i = 0; i < statistics.size(); i++) {
                try (NDArray share = statistics.get(i).getArray().mul(weight)) {
                  sums.get(i).addi(share);
                }
              }
            }
            for (int i = 0; i < statistics.size(); i++) {
              statistics.get(i).getArray().muli(0f).addi(sums.get(i));
            }
          });
    }
  }
}
