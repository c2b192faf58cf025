package io.ablserve.server.train;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.ablserve.server.data.ImageSet;
import io.ablserve.server.model.Models;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * A saved network evaluated outside any training run: loaded into a fresh model, run in eval mode
 * (BatchNorm running statistics, no augmentation) with the normalisation it was trained with.
 *
 * <p>Safe beside a training run in the same process: its parameters are read through a non-training
 * {@link ParameterStore}, so they never require gradients and no autograd graph is recorded; it opens no
 * GradientCollector (DJL's PyTorch collector is the process-global part, guarded by a static flag); the
 * PyTorch grad mode a collector switches on is thread-local; and a collector's {@code zeroGradients}
 * touches only arrays that have gradients, which these never do.
 */
public final class ModelEvaluation {
  private ModelEvaluation() {}

  /**
   * The parameters DJL's {@code Model.save(dir, name)} wrote, in a fresh {@code network} on {@code
   * device}. The caller closes the model.
   */
  public static Model load(Path dir, String name, NetworkSpec network, Device device)
      throws IOException {
    Model model = Model.newInstance(name, device);
    try {
      model.setBlock(
          Models.create(
              network.arch(), network.channels(), network.height(), network.width(),
              network.numClasses()));
      model.load(dir, name);
      return model;
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      throw e instanceof IOException io ? io : new IOException("cannot load the saved model: " + e, e);
    }
  }

  /**
   * Share of {@code set}'s images {@code model} classifies as their label; NaN for an empty set. Throws
   * {@link CancellationException} between batches once {@code cancelled} turns true.
   */
  public static double accuracy(
      Model model, NetworkSpec network, ImageSet set, BooleanSupplier cancelled) {
    if (set.size() == 0) {
      return Double.NaN;
    }
    long[] counts = confusion(model, network, set, cancelled);
    long correct = 0;
    for (int c = 0; c < network.numClasses(); c++) {
      correct += counts[c * network.numClasses() + c];
    }
    return (double) correct / set.size();
  }

  /**
   * How {@code model} classifies {@code set}: {@code counts[t * classes + p]} images of label {@code t}
   * predicted as {@code p}, over the network's classes. Works on a trained model in a run too: this thread's
   * grad mode is off for the pass, so no autograd graph is recorded. Throws {@link CancellationException}
   * between batches once {@code cancelled} turns true.
   */
  public static long[] confusion(
      Model model, NetworkSpec network, ImageSet set, BooleanSupplier cancelled) {
    int classes = network.numClasses();
    long[] counts = new long[classes * classes];
    int n = set.size();
    Device device = model.getNDManager().getDevice();
    BatchLoader loader = new BatchLoader(set, network.stats(), AblTrainer.EVAL_BATCH, device);
    ParameterStore parameters = new ParameterStore(model.getNDManager(), false);
    int[] all = AblTrainer.identity(n);
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      for (int from = 0; from < n; from += AblTrainer.EVAL_BATCH) {
        if (cancelled.getAsBoolean()) {
          throw new CancellationException("evaluation cancelled");
        }
        int to = Math.min(n, from + AblTrainer.EVAL_BATCH);
        try (NDManager batch = model.getNDManager().newSubManager()) {
          NDArray logits =
              model.getBlock()
                  .forward(parameters, new NDList(loader.images(batch, all, from, to)), false)
                  .singletonOrThrow();
          long[] predicted = logits.argMax(1).toLongArray();
          for (int i = 0; i < predicted.length; i++) {
            counts[set.labels()[from + i] * classes + (int) predicted[i]]++;
          }
        }
      }
    } finally {
      JniUtils.setGradMode(gradMode);
    }
    return counts;
  }
}
