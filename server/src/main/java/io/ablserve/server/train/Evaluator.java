package io.ablserve.server.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import io.ablserve.server.model.TappedNetwork;
import io.ablserve.server.model.Taps;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/** Eval-mode passes (BatchNorm running statistics, no augmentation, no gradients). */
final class Evaluator {
  private static final List<String> PENULTIMATE = List.of(Taps.PENULTIMATE);

  private final Trainer trainer;
  private final BatchLoader train;
  private final BatchLoader cleanTest;
  private final BatchLoader triggeredTest;
  private final BooleanSupplier cancelled;

  Evaluator(
      Trainer trainer,
      BatchLoader train,
      BatchLoader cleanTest,
      BatchLoader triggeredTest,
      BooleanSupplier cancelled) {
    this.trainer = trainer;
    this.train = train;
    this.cleanTest = cleanTest;
    this.triggeredTest = triggeredTest;
    this.cancelled = cancelled;
  }

  BatchLoader train() {
    return train;
  }

  Trainer trainer() {
    return trainer;
  }

  /** Cross-entropy of each of the training {@code samples}, in their order. */
  float[] sampleLosses(int[] samples) {
    float[] out = new float[samples.length];
    forEachBatch(
        train,
        samples,
        (from, to, logits, batch) -> {
          float[] ce = Losses.crossEntropy(logits, train.labels(batch, samples, from, to)).toFloatArray();
          System.arraycopy(ce, 0, out, from, ce.length);
        });
    return out;
  }

  /**
   * The penultimate activations of each of the training {@code samples} ({@link Taps#PENULTIMATE}, the input
   * of the model's classifier), in their order: eval mode, no augmentation.
   */
  float[][] sampleFeatures(int[] samples) {
    return sampleFeatures(samples, UnaryOperator.identity());
  }

  /**
   * The penultimate activations of each of the training {@code samples} with {@code transform} applied to
   * their normalised images (a batch, NCHW) first.
   */
  float[][] sampleFeatures(int[] samples, UnaryOperator<NDArray> transform) {
    TappedNetwork network = TappedNetwork.of(trainer.getModel().getBlock());
    ParameterStore parameters = new ParameterStore(trainer.getManager(), false);
    float[][] out = new float[samples.length][];
    withoutGradients(() -> features(network, parameters, samples, transform, out));
    return out;
  }

  private void features(
      TappedNetwork network, ParameterStore parameters, int[] samples, UnaryOperator<NDArray> transform,
      float[][] out) {
    for (int from = 0; from < samples.length; from += AblTrainer.EVAL_BATCH) {
      if (cancelled.getAsBoolean()) {
        throw new TrainingCancelledException(-1, -1);
      }
      int to = Math.min(samples.length, from + AblTrainer.EVAL_BATCH);
      try (NDManager batch = trainer.getManager().newSubManager()) {
        NDArray features =
            network.activations(
                    parameters, transform.apply(train.images(batch, samples, from, to)), false, PENULTIMATE)
                .get(Taps.PENULTIMATE);
        int dim = (int) (features.size() / (to - from));
        float[] flat = features.toFloatArray();
        for (int i = from; i < to; i++) {
          out[i] = Arrays.copyOfRange(flat, (i - from) * dim, (i - from + 1) * dim);
        }
      }
    }
  }

  /**
   * The class predicted for each of the training {@code samples}; with {@code excluded} >= 0, the best
   * class other than that one.
   */
  int[] trainPredictions(int[] samples, int excluded) {
    return perSample(samples, (logits, offset, classes) -> best(logits, offset, classes, excluded));
  }

  /**
   * The class the model gives each of the training {@code samples} (eval mode, no augmentation), or -1
   * where its softmax probability is below {@code confidence}.
   */
  int[] confidentPredictions(int[] samples, double confidence) {
    return perSample(
        samples,
        (logits, offset, classes) -> {
          int best = best(logits, offset, classes, -1);
          // softmax(best) = 1 / sum_k exp(l_k - l_best)
          double sum = 0;
          for (int k = 0; k < classes; k++) {
            sum += Math.exp(logits[offset + k] - logits[offset + best]);
          }
          return 1 / sum >= confidence ? best : -1;
        });
  }

  /** What a rule reads from one sample's {@code classes} logits, at {@code offset} in a batch's. */
  private interface LogitRule {
    int apply(float[] logits, int offset, int classes);
  }

  /** {@code rule} applied to the logits of each of the training {@code samples}, in their order. */
  private int[] perSample(int[] samples, LogitRule rule) {
    int[] out = new int[samples.length];
    forEachBatch(
        train,
        samples,
        (from, to, logits, batch) -> {
          float[] flat = logits.toFloatArray();
          int classes = flat.length / (to - from);
          for (int i = 0; i < to - from; i++) {
            out[from + i] = rule.apply(flat, i * classes, classes);
          }
        });
    return out;
  }

  /** The class of the largest of the {@code classes} logits at {@code offset} but {@code excluded}. */
  private static int best(float[] logits, int offset, int classes, int excluded) {
    int best = -1;
    for (int k = 0; k < classes; k++) {
      if (k != excluded && (best < 0 || logits[offset + k] > logits[offset + best])) {
        best = k;
      }
    }
    return best;
  }

  double cleanAccuracy() {
    return accuracy(cleanTest);
  }

  /**
   * Accuracy on the clean test set, overall (last entry) and of each class by label (the first {@code
   * numClasses} entries), from one pass.
   */
  double[] cleanAccuracyByClass() {
    return accuracyByClass(cleanTest);
  }

  /** Accuracy on the triggered test set, whose labels are the target: the attack success rate. */
  double attackSuccessRate() {
    return accuracy(triggeredTest);
  }

  /** Share of {@code loader}'s samples whose predicted class equals their label; NaN when empty. */
  private double accuracy(BatchLoader loader) {
    double[] byClass = accuracyByClass(loader);
    return byClass[byClass.length - 1];
  }

  /**
   * The share of {@code loader}'s samples of each class (by label) whose predicted class is their label, NaN
   * for a class without samples, then the share over all samples (NaN when empty).
   */
  private double[] accuracyByClass(BatchLoader loader) {
    int numClasses = loader.set().numClasses();
    int n = loader.set().size();
    long[] correct = new long[numClasses];
    long[] total = new long[numClasses];
    int[] labels = loader.set().labels();
    if (n > 0) {
      forEachBatch(
          loader,
          AblTrainer.identity(n),
          (from, to, logits, batch) -> {
            long[] predicted = logits.argMax(1).toLongArray();
            for (int i = 0; i < predicted.length; i++) {
              int label = labels[from + i];
              total[label]++;
              correct[label] += predicted[i] == label ? 1 : 0;
            }
          });
    }
    double[] out = new double[numClasses + 1];
    long allCorrect = 0;
    for (int c = 0; c < numClasses; c++) {
      out[c] = total[c] == 0 ? Double.NaN : (double) correct[c] / total[c];
      allCorrect += correct[c];
    }
    out[numClasses] = n == 0 ? Double.NaN : (double) allCorrect / n;
    return out;
  }

  /**
   * Eval-mode logits of {@code samples[from..to)}, batch by batch, each batch in its own sub-manager, with
   * PyTorch's grad mode off. Grad mode is per thread and on by default: DJL turns it off only on the
   * thread that loaded the engine, so on the server's training thread every eval batch recorded an
   * autograd graph (the trainer's parameters require gradients), time and memory for nothing.
   */
  private void forEachBatch(BatchLoader loader, int[] samples, BatchLogits consumer) {
    withoutGradients(() -> forEachBatchWithoutGradients(loader, samples, consumer));
  }

  /** Runs {@code pass} with this thread's PyTorch grad mode off, restoring it after. */
  static void withoutGradients(Runnable pass) {
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      pass.run();
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  private void forEachBatchWithoutGradients(BatchLoader loader, int[] samples, BatchLogits consumer) {
    for (int from = 0; from < samples.length; from += AblTrainer.EVAL_BATCH) {
      if (cancelled.getAsBoolean()) {
        throw new TrainingCancelledException(-1, -1);
      }
      int to = Math.min(samples.length, from + AblTrainer.EVAL_BATCH);
      try (NDManager batch = trainer.getManager().newSubManager()) {
        NDArray logits =
            trainer.evaluate(new NDList(loader.images(batch, samples, from, to))).singletonOrThrow();
        consumer.accept(from, to, logits, batch);
      }
    }
  }

  @FunctionalInterface
  private interface BatchLogits {
    void accept(int from, int to, NDArray logits, NDManager batch);
  }
}
