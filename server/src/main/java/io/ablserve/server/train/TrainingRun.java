package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

import ai.djl.training.Trainer;
import io.ablserve.server.data.ImageSet;
import io.ablserve.server.data.PoisonedSet;
import java.util.Random;

/**
 * One session's training, as a {@link DefenseStrategy} sees it: the config, the poisoned data, the epoch
 * loop, the evaluator, the listener and the run's {@link Progress}, set up once by {@link AblTrainer}. A
 * strategy runs an epoch by {@link #beginEpoch}, {@link #run} and {@link #endEpoch}; shuffling draws from
 * the generator {@link #beginEpoch} reseeds, so a resumed run shuffles as an uninterrupted one.
 */
public final class TrainingRun {
  private final AblConfig config;
  private final FineTuning fineTuning;
  private final PoisonedSet data;
  private final int[] clean;
  private final Evaluator evaluator;
  private final Epochs epochs;
  private final LearningRate learningRate;
  private final Progress progress;
  private final Random rng;
  private final InitialWeights initialWeights;
  private final TrainingListener listener;
  private final long start;
  private final int[] all;

  TrainingRun(
      AblConfig config,
      FineTuning fineTuning,
      PoisonedSet data,
      int[] clean,
      Evaluator evaluator,
      Epochs epochs,
      LearningRate learningRate,
      Progress progress,
      Random rng,
      InitialWeights initialWeights,
      TrainingListener listener,
      long start) {
    this.config = requireNonNull(config, "config");
    this.fineTuning = requireNonNull(fineTuning, "fineTuning");
    this.data = requireNonNull(data, "data");
    this.clean = requireNonNull(clean, "clean");
    this.evaluator = requireNonNull(evaluator, "evaluator");
    this.epochs = requireNonNull(epochs, "epochs");
    this.learningRate = requireNonNull(learningRate, "learningRate");
    this.progress = requireNonNull(progress, "progress");
    this.rng = requireNonNull(rng, "rng");
    this.initialWeights = requireNonNull(initialWeights, "initialWeights");
    this.listener = requireNonNull(listener, "listener");
    this.start = start;
    this.all = AblTrainer.identity(data.images().size());
  }

  /** The session's hyperparameters. */
  public AblConfig config() {
    return config;
  }

  /** The fine-tuning stage of the baseline defences. */
  public FineTuning fineTuning() {
    return fineTuning;
  }

  /** The first epoch still to run: 0, or the one after a restored checkpoint's. */
  public int nextEpoch() {
    return progress.nextEpoch();
  }

  /** The run's figures as of its last finished epoch. */
  public TrainingOutcome outcome() {
    return progress.outcome(start);
  }

  PoisonedSet data() {
    return data;
  }

  ImageSet train() {
    return data.images();
  }

  /** Every training sample's index, in order. */
  int[] all() {
    return all;
  }

  /**
   * The trusted clean subset's samples, in order: indices into the loaders after the training set's ({@link
   * #all}); empty unless the defence fine-tunes on clean data.
   */
  int[] clean() {
    return clean;
  }

  Evaluator evaluator() {
    return evaluator;
  }

  Epochs epochs() {
    return epochs;
  }

  Progress progress() {
    return progress;
  }

  TrainingListener listener() {
    return listener;
  }

  /** Sets the learning rate of the steps that follow. */
  void learningRate(double value) {
    learningRate.set(value);
  }

  /** Starts epoch {@code epoch}: reseeds the generator {@link #shuffled} and augmentation draw from. */
  void beginEpoch(int epoch) {
    progress.beginEpoch(epoch, epoch);
  }

  /**
   * Starts epoch {@code epoch}, shuffling and augmenting as epoch {@code drawnAs} of a run would: a stage that
   * trains afresh from the initial weights draws as that run from its first epoch.
   */
  void beginEpoch(int epoch, int drawnAs) {
    progress.beginEpoch(epoch, drawnAs);
  }

  /**
   * Sends the model back to its initial weights ({@link InitialWeights}), written into its own arrays, and
   * starts the optimizer's momentum afresh: from here it trains as a fresh model would.
   */
  void restartFromInitialWeights() {
    Trainer trainer = evaluator.trainer();
    try (NetworkWeights initial = initialWeights.draw(trainer.getManager())) {
      initial.copyInto(trainer.getModel().getBlock());
    }
    epochs.restartMomentum();
  }

  /** One epoch of {@code objective} over {@code order}, ascending {@code isolated} alongside (GGA). */
  EpochReport run(Phase phase, int epoch, int[] order, int[] isolated, Objective objective) {
    return epochs.run(phase, epoch, order, isolated, objective);
  }

  /**
   * One epoch of {@code objective} over {@code order}, ascending {@code isolated} alongside, each sample
   * trained under its entry of {@code labels} (one per training sample; its own label when null).
   */
  EpochReport run(
      Phase phase, int epoch, int[] order, int[] isolated, Objective objective, int[] labels) {
    return epochs.run(phase, epoch, order, isolated, objective, null, labels);
  }

  /** One epoch of descent over {@code order} whose steps run {@code forward} ({@link Epochs.Forward}). */
  EpochReport run(Phase phase, int epoch, int[] order, Epochs.Forward forward) {
    return epochs.run(phase, epoch, order, new int[0], Objective.DESCENT, forward, null);
  }

  /** Starts the optimizer's momentum afresh, for a model that takes over from another. */
  void restartMomentum() {
    epochs.restartMomentum();
  }

  /** Ends the epoch begun last, recording its metrics, and saves a checkpoint. */
  void endEpoch(Phase phase) {
    progress.endEpoch(phase);
  }

  /** A seed drawn from this epoch's generator, for a defence's own draws (MCR's points on its curve). */
  long nextSeed() {
    return rng.nextLong();
  }

  /** {@code values} in this epoch's random order. */
  int[] shuffled(int[] values) {
    return AblTrainer.shuffled(values, rng);
  }
}
