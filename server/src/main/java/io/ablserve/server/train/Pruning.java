package io.ablserve.server.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import io.ablserve.server.model.ChannelMask;
import io.ablserve.server.model.TappedNetwork;
import io.ablserve.server.model.Taps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Fine-pruning's pruning step on a run's model, through its {@link ChannelMask}: the mean activation of each
 * channel of the last convolutional stage on a set of samples, and the pruning of the least active ones
 * while the samples' accuracy holds. Eval mode, no augmentation, no gradients; the last stage's output is
 * computed once, and each candidate mask re-runs only the classifier after it.
 */
final class Pruning {
  private static final List<String> STAGE = List.of(Taps.LAST_CONV_STAGE);

  private final Evaluator evaluator;
  private final TappedNetwork network;
  private final ChannelMask mask;

  Pruning(Evaluator evaluator) {
    this.evaluator = evaluator;
    this.network = TappedNetwork.of(evaluator.trainer().getModel().getBlock());
    this.mask = (ChannelMask) network.blockOf(Taps.LAST_CONV_STAGE);
  }

  /** The model's mask. */
  ChannelMask mask() {
    return mask;
  }

  /**
   * What a pruning did.
   *
   * @param meanActivation each channel's mean activation on the samples, unpruned, by channel
   * @param pruned the channels pruned, least active first
   * @param accuracyBefore the samples' accuracy unpruned
   * @param accuracyAfter the samples' accuracy with {@code pruned} masked
   */
  record Result(double[] meanActivation, int[] pruned, double accuracyBefore, double accuracyAfter) {}

  /**
   * Ranks the channels by mean activation over {@code samples} (indices into the evaluator's training
   * loader) and prunes them in increasing order, stopping before the one that would take the samples'
   * accuracy more than {@code maxAccuracyDrop} below the unpruned model's, and at {@code maxPruneRatio} of
   * the channels (always leaving one). Leaves the mask set to the channels pruned.
   */
  Result prune(int[] samples, double maxAccuracyDrop, double maxPruneRatio) {
    Result[] result = new Result[1];
    Evaluator.withoutGradients(() -> result[0] = pruneWithoutGradients(samples, maxAccuracyDrop, maxPruneRatio));
    return result[0];
  }

  private Result pruneWithoutGradients(int[] samples, double maxAccuracyDrop, double maxPruneRatio) {
    Trainer trainer = evaluator.trainer();
    BatchLoader loader = evaluator.train();
    ParameterStore parameters = new ParameterStore(trainer.getManager(), false);
    mask.prune(new int[0]);
    int channels = mask.channels();
    int[] labels = Arrays.stream(samples).map(i -> loader.set().labels()[i]).toArray();
    try (NDManager scope = trainer.getManager().newSubManager()) {
      List<NDArray> stage = new ArrayList<>();
      double[] sums = new double[channels];
      long perChannel = 0;
      for (int from = 0; from < samples.length; from += AblTrainer.EVAL_BATCH) {
        int to = Math.min(samples.length, from + AblTrainer.EVAL_BATCH);
        try (NDManager batch = scope.newSubManager()) {
          // The mask is all ones here: the stage's output is its unmasked input, which each candidate masks.
          NDArray out =
              network.activations(parameters, loader.images(batch, samples, from, to), false, STAGE)
                  .get(Taps.LAST_CONV_STAGE);
          float[] sum = out.sum(new int[] {0, 2, 3}).toFloatArray();
          for (int c = 0; c < channels; c++) {
            sums[c] += sum[c];
          }
          perChannel += out.size() / channels;
          out.attach(scope); // kept for the classifier passes; the rest of the batch goes
          stage.add(out);
        }
      }
      double[] means = new double[channels];
      for (int c = 0; c < channels; c++) {
        means[c] = perChannel == 0 ? 0 : sums[c] / perChannel;
      }
      int[] order =
          IntStream.range(0, channels).boxed()
              .sorted(Comparator.<Integer>comparingDouble(c -> means[c]).thenComparingInt(c -> c))
              .mapToInt(Integer::intValue).toArray();
      double before = accuracy(scope, stage, labels, parameters);
      double after = before;
      int kept = 0;
      int most = Math.min(channels - 1, (int) Math.floor(maxPruneRatio * channels));
      for (int k = 1; k <= most; k++) {
        mask.prune(Arrays.copyOf(order, k));
        double accuracy = accuracy(scope, stage, labels, parameters);
        if (before - accuracy > maxAccuracyDrop) {
          break;
        }
        kept = k;
        after = accuracy;
      }
      int[] pruned = Arrays.copyOf(order, kept);
      mask.prune(pruned);
      return new Result(means, pruned, before, after);
    }
  }

  /** The share of {@code labels} the classifier after the mask predicts from the stage outputs. */
  private double accuracy(NDManager scope, List<NDArray> stage, int[] labels, ParameterStore parameters) {
    if (labels.length == 0) {
      return Double.NaN;
    }
    int correct = 0;
    int offset = 0;
    for (NDArray batchStage : stage) {
      try (NDManager pass = scope.newSubManager()) {
        batchStage.tempAttach(pass); // what the pass computes from it goes with the pass
        NDArray masked = mask.forward(parameters, new NDList(batchStage), false).singletonOrThrow();
        NDArray logits = network.forwardAfter(parameters, Taps.LAST_CONV_STAGE, masked, false);
        long[] predicted = logits.argMax(1).toLongArray();
        for (long p : predicted) {
          correct += p == labels[offset++] ? 1 : 0;
        }
      }
    }
    return (double) correct / labels.length;
  }

  /**
   * Zeroes the weights of the first linear layer after the mask that read the pruned channels, so that the
   * network computes with an all-ones mask what it computes with this one: the model saved and exported,
   * which carries no mask, is the pruned one.
   */
  void fold() {
    int[] pruned = mask.pruned();
    if (pruned.length == 0) {
      return;
    }
    List<Block> blocks = network.getChildren().values();
    Linear linear =
        blocks.subList(network.indexOf(Taps.LAST_CONV_STAGE) + 1, blocks.size()).stream()
            .filter(Linear.class::isInstance).map(Linear.class::cast)
            .findFirst().orElseThrow(() -> new IllegalStateException("no linear layer after the channel mask"));
    Parameter weight = linear.getDirectParameters().get("weight");
    NDArray w = weight.getArray();
    int inputs = Math.toIntExact(w.getShape().get(1));
    int perChannel = inputs / mask.channels();
    float[] keep = new float[inputs];
    Arrays.fill(keep, 1f);
    for (int c : pruned) {
      Arrays.fill(keep, c * perChannel, (c + 1) * perChannel, 0f);
    }
    Evaluator.withoutGradients(
        () -> {
          try (NDArray k = w.getManager().create(keep).toDevice(w.getDevice(), false)) {
            w.muli(k);
          }
        });
  }
}
