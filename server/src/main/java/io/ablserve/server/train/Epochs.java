package io.ablserve.server.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/** Runs training epochs: the loop of batches, forward, backward, step; then the epoch's evaluation. */
final class Epochs {
  /**
   * A step's forward pass when it is more than the model's: the batch's logits first, then a scalar the step
   * adds to its objective (NAD's attention term). Its arrays belong to the batch's manager, as the input's.
   * It may also train weights other than the model's own ({@link #update}, MCR's curve) and ready the model
   * for the epoch's evaluation ({@link #beforeEvaluation}).
   */
  interface Forward {
    NDList apply(NDArray x);

    /**
     * Applies the step's {@code gradient} of trainable {@code parameter}: by default to the parameter itself.
     * The gradient is closed after the call.
     */
    default void update(Optimizer optimizer, Parameter parameter, NDArray gradient) {
      optimizer.update(parameter.getId(), parameter.getArray(), gradient);
    }

    /** Runs after the epoch's last step, before its evaluation: by default nothing. */
    default void beforeEvaluation() {}
  }

  private final AblConfig config;
  private final Trainer trainer;
  private final LearningRate learningRate;
  private final BatchLoader plain;
  private final BatchLoader augmented;
  private final Evaluator evaluator;
  private final boolean[] poisoned;
  private final TrainingListener listener;
  private final BooleanSupplier cancelled;
  /** Each sample's cross-entropy the last time it was trained on this epoch (NaN if not this epoch). */
  private final float[] trainLoss;
  private final Optimizer optimizer;
  /** The parameters training updates (BatchNorm's running statistics are not among them). */
  private final List<Parameter> trainable;
  private long step;
  private EpochReport last;

  Epochs(
      AblConfig config,
      Trainer trainer,
      Optimizer optimizer,
      LearningRate learningRate,
      BatchLoader plain,
      BatchLoader augmented,
      Evaluator evaluator,
      boolean[] poisoned,
      TrainingListener listener,
      BooleanSupplier cancelled) {
    this.config = config;
    this.trainer = trainer;
    this.learningRate = learningRate;
    this.plain = plain;
    this.augmented = augmented;
    this.evaluator = evaluator;
    this.poisoned = poisoned;
    this.listener = listener;
    this.cancelled = cancelled;
    this.trainLoss = new float[poisoned.length];
    this.optimizer = optimizer;
    this.trainable =
        trainer.getModel().getBlock().getParameters().values().stream()
            .filter(Parameter::requiresGradient)
            .toList();
  }

  /**
   * One epoch over {@code order} with {@code objective}. With a non-empty {@code isolated} set (GGA), each
   * step appends the next few isolated samples, cycling, so each is ascended about once an epoch. Isolation
   * epochs never augment: isolation relies on the trigger being learned fast, and random crops slowed it
   * enough to drop isolation precision from 0.95 to 0.28 (Fashion-MNIST BadNets, 2 isolation epochs).
   */
  EpochReport run(Phase phase, int epoch, int[] order, int[] isolated, Objective objective) {
    return run(phase, epoch, order, isolated, objective, null, null);
  }

  /**
   * One epoch over {@code order} whose steps run {@code forward} (the model's own when null) and train each
   * sample under its entry of {@code labels} (one per training sample; the set's own labels when null).
   */
  EpochReport run(
      Phase phase, int epoch, int[] order, int[] isolated, Objective objective, Forward forward,
      int[] labels) {
    Arrays.fill(trainLoss, Float.NaN);
    int batch = config.batchSize();
    int steps = (order.length + batch - 1) / batch;
    int perStepIsolated = isolated.length == 0 ? 0 : Math.max(1, (isolated.length + steps - 1) / steps);
    int[] indices = new int[batch + perStepIsolated];
    BatchLoader train = phase == Phase.ISOLATION ? plain : augmented;
    int[] targets = labels == null ? train.set().labels() : labels;
    int numClasses = train.set().numClasses();
    int cursor = 0;
    long images = 0;
    long epochStart = System.nanoTime();
    long reportStart = epochStart;
    long reportImages = 0;
    for (int from = 0; from < order.length; from += batch) {
      if (cancelled.getAsBoolean()) {
        throw new TrainingCancelledException(epoch, step);
      }
      int clean = Math.min(batch, order.length - from);
      System.arraycopy(order, from, indices, 0, clean);
      for (int j = 0; j < perStepIsolated; j++) {
        indices[clean + j] = isolated[cursor];
        cursor = (cursor + 1) % isolated.length;
      }
      int n = clean + perStepIsolated;
      boolean report = step % config.stepReportInterval() == 0;
      double[] losses =
          step(
              train, indices, n, targets, forward,
              ce -> objective.apply(ce, clean, perStepIsolated, config, numClasses), report);
      images += n;
      reportImages += n;
      if (report) {
        long now = System.nanoTime();
        listener.onStep(
            new StepReport(
                phase, epoch, step, losses[0], losses[1], learningRate.get(),
                reportImages / Math.max(1e-9, (now - reportStart) / 1e9)));
        reportStart = now;
        reportImages = 0;
      }
      step++;
    }
    long trainNanos = System.nanoTime() - epochStart;
    if (forward != null) {
      forward.beforeEvaluation();
    }
    EpochReport report = summary(phase, epoch, trainNanos, images);
    listener.onEpoch(report);
    last = report;
    return report;
  }

  /**
   * Each sample's cross-entropy as its step computed it in the last epoch run, before that step's update;
   * NaN for samples the epoch did not train on. A copy.
   */
  float[] lastLosses() {
    return trainLoss.clone();
  }

  /** Starts the optimizer's momentum afresh, for a model that takes over from another. */
  void restartMomentum() {
    if (optimizer instanceof MomentumSgd sgd) {
      sgd.restart();
    }
  }

  /** Steps taken so far over all epochs; the next step's number. */
  long step() {
    return step;
  }

  /** Continues the step count of a resumed run. */
  void resumeAt(long step) {
    this.step = step;
  }

  /** The report of the last epoch run. */
  EpochReport last() {
    return last;
  }

  /**
   * Forward, backward and update on {@code indices[0..n)} under {@code labels}; records each sample's loss
   * and returns the batch's mean cross-entropy and, when {@code report}, the objective's value (NaN
   * otherwise: reading it back is a device synchronisation that only the step reports need).
   */
  private double[] step(
      BatchLoader train, int[] indices, int n, int[] labels, Forward forward,
      Function<NDArray, NDArray> objective, boolean report) {
    try (NDManager batch = trainer.getManager().newSubManager()) {
      NDArray x = train.images(batch, indices, 0, n);
      NDArray y = train.labels(batch, indices, 0, n, labels);
      float[] perSample;
      float value;
      try (GradientCollector collector = trainer.newGradientCollector()) {
        NDList out = forward == null ? trainer.forward(new NDList(x)) : forward.apply(x);
        NDArray ce = Losses.crossEntropy(out.get(0), y);
        NDArray loss = objective.apply(ce);
        if (out.size() > 1) {
          loss = loss.add(out.get(1));
        }
        collector.backward(loss);
        perSample = ce.toFloatArray();
        value = report ? loss.getFloat() : Float.NaN;
      }
      update(forward);
      double sum = 0;
      for (int i = 0; i < n; i++) {
        trainLoss[indices[i]] = perSample[i];
        sum += perSample[i];
      }
      return new double[] {sum / n, value};
    }
  }

  /**
   * Updates every trainable parameter from its gradient, which the native update then zeroes: {@code
   * Trainer.step()} on one device, without the copy of every gradient that DJL's {@code
   * LocalParameterServer} makes first to reduce across devices (a run trains on one). A {@code forward}
   * that trains other weights applies the gradients to them instead.
   */
  private void update(Forward forward) {
    for (Parameter parameter : trainable) {
      try (NDArray gradient = parameter.getArray().getGradient()) {
        if (forward == null) {
          optimizer.update(parameter.getId(), parameter.getArray(), gradient);
        } else {
          forward.update(optimizer, parameter, gradient);
        }
      }
    }
  }

  /** Test metrics, the mean training loss of poisoned vs clean samples, and isolating-now's precision. */
  private EpochReport summary(Phase phase, int epoch, long trainNanos, long images) {
    double poisonedSum = 0;
    double cleanSum = 0;
    int poisonedN = 0;
    int cleanN = 0;
    float[] ranked = trainLoss.clone();
    for (int i = 0; i < trainLoss.length; i++) {
      if (Float.isNaN(trainLoss[i])) {
        ranked[i] = Float.POSITIVE_INFINITY; // not trained on this epoch: never "isolated"
        continue;
      }
      if (poisoned[i]) {
        poisonedSum += trainLoss[i];
        poisonedN++;
      } else {
        cleanSum += trainLoss[i];
        cleanN++;
      }
    }
    IsolationReport wouldIsolate = Isolation.isolate(ranked, poisoned, config.isolationRatio(), epoch);
    double[] accuracy = evaluator.cleanAccuracyByClass();
    return new EpochReport(
        phase,
        epoch,
        accuracy[accuracy.length - 1],
        evaluator.attackSuccessRate(),
        poisonedN == 0 ? Double.NaN : poisonedSum / poisonedN,
        cleanN == 0 ? Double.NaN : cleanSum / cleanN,
        wouldIsolate.precision(),
        wouldIsolate.recall(),
        trainNanos / 1_000_000,
        images / Math.max(1e-9, trainNanos / 1e9),
        Arrays.copyOf(accuracy, accuracy.length - 1));
  }
}
