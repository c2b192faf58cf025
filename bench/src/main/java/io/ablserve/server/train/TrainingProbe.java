package io.ablserve.server.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import io.ablserve.server.data.ImageSet;
import io.ablserve.server.model.ModelArch;
import io.ablserve.server.model.Models;
import java.util.Random;

/**
 * The speed benchmark's handle on the training core: trains with {@link Epochs} and times the {@link
 * Evaluator}'s passes, the very classes {@link AblTrainer} runs, on a model and trainer built as {@link
 * ExperimentRunner} builds them. It lives in the bench module, in this package, so that the server
 * exposes nothing for benchmarks (JMH benchmarks reach package-private code the same way).
 */
public final class TrainingProbe implements AutoCloseable {
  private final ImageSet train;
  private final Model model;
  private final Trainer trainer;
  private final Epochs epochs;
  private final Evaluator evaluator;
  private final Random rng;
  private final int[] all;

  private TrainingProbe(ImageSet train, ModelArch arch, AblConfig config, long seed, Device device) {
    this.train = train;
    Engine.getInstance().setRandomSeed((int) seed);
    model = Model.newInstance("probe-" + arch, device);
    model.setBlock(
        Models.create(arch, train.channels(), train.height(), train.width(), train.numClasses()));
    MomentumSgd sgd =
        MomentumSgd.create(new LearningRate(config.learningRate()), config.momentum(), config.weightDecay());
    trainer =
        model.newTrainer(
            new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(sgd)
                .optDevices(new Device[] {device}));
    trainer.initialize(new Shape(1, train.channels(), train.height(), train.width()));
    BatchLoader.ChannelStats stats = BatchLoader.ChannelStats.of(train);
    int maxBatch = Math.max(AblTrainer.EVAL_BATCH, 2 * config.batchSize());
    ImageSet none =
        new ImageSet(new byte[0], new int[0], train.channels(), train.height(), train.width(), train.numClasses());
    BatchLoader plain = new BatchLoader(train, stats, maxBatch, device);
    // The "clean test set" is the training set: cleanAccuracy() is then an inference pass over it.
    evaluator =
        new Evaluator(
            trainer, plain, new BatchLoader(train, stats, AblTrainer.EVAL_BATCH, device),
            new BatchLoader(none, stats, AblTrainer.EVAL_BATCH, device), () -> false);
    // Epochs' own per-epoch evaluation then runs on empty sets: the probe times passes separately.
    Evaluator quiet =
        new Evaluator(
            trainer, plain, new BatchLoader(none, stats, AblTrainer.EVAL_BATCH, device),
            new BatchLoader(none, stats, AblTrainer.EVAL_BATCH, device), () -> false);
    sgd.learningRate().set(config.learningRate());
    epochs =
        new Epochs(
            config, trainer, sgd, sgd.learningRate(), plain, plain, quiet, new boolean[train.size()],
            TrainingListener.NONE, () -> false);
    rng = new Random(seed);
    all = AblTrainer.identity(train.size());
  }

  /** A fresh model of {@code arch} for {@code train}'s images, trained with {@code config}'s optimiser. */
  public static TrainingProbe open(
      ImageSet train, ModelArch arch, AblConfig config, long seed, Device device) {
    return new TrainingProbe(train, arch, config, seed, device);
  }

  /** One plain training epoch (mean cross-entropy, no augmentation) over the shuffled set; its report. */
  public EpochReport trainEpoch(int epoch) {
    return epochs.run(Phase.TRAINING, epoch, AblTrainer.shuffled(all, rng), new int[0], Objective.DESCENT);
  }

  /** One eval-mode pass over the training set, predictions read back; returns the accuracy. */
  public double inferencePass() {
    return evaluator.cleanAccuracy();
  }

  /** The ranking pass: every training sample's own cross-entropy in eval mode, in index order. */
  public float[] rankingPass() {
    return evaluator.sampleLosses(all);
  }

  public int size() {
    return train.size();
  }

  @Override
  public void close() {
    trainer.close();
    model.close();
  }
}
