package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.training.Trainer;
import io.ablserve.server.data.AugmentationPolicy;
import io.ablserve.server.data.ImageSet;
import io.ablserve.server.data.PoisonedSet;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * Sets up one session's training and hands it to its defence: the batch loaders, the evaluator, the epoch
 * loop and the run's {@link Progress}, restored from a checkpoint when there is one; the {@link
 * DefenseStrategy} ({@link PlainTraining}, {@link AblDefense}, ...) runs the epochs. Telemetry leaves
 * through the {@link TrainingListener}; every NDArray of a batch lives in a sub-manager closed with the
 * batch.
 */
public final class AblTrainer {
  static final int EVAL_BATCH = 512;

  private final AblConfig config;
  private final FineTuning fineTuning;
  private final DefenseStrategy defense;
  private final TrainingListener listener;
  private final BooleanSupplier cancelled;

  public AblTrainer(
      AblConfig config, DefenseStrategy defense, TrainingListener listener, BooleanSupplier cancelled) {
    this(config, FineTuning.defaultsFor(config), defense, listener, cancelled);
  }

  public AblTrainer(
      AblConfig config,
      FineTuning fineTuning,
      DefenseStrategy defense,
      TrainingListener listener,
      BooleanSupplier cancelled) {
    this.config = requireNonNull(config, "config");
    this.fineTuning = requireNonNull(fineTuning, "fineTuning");
    this.defense = requireNonNull(defense, "defense");
    this.listener = requireNonNull(listener, "listener");
    this.cancelled = requireNonNull(cancelled, "cancelled");
  }

  /**
   * Trains {@code trainer}'s model on {@code data} for {@code config.epochs()} epochs and evaluates it each
   * epoch on the clean and triggered test sets, saving a checkpoint after each. With {@code from}, the
   * model and optimizer already hold its parameters and the run goes on after its epoch, the defence's
   * sets restored rather than computed again. Each epoch's shuffling and augmentation draw from a generator
   * seeded with ({@code seed}, epoch), so a resumed run shuffles as an uninterrupted one would. {@code
   * clean} is the trusted clean subset a fine-tuning defence trains on (empty for the others); it joins the
   * loaders after the training samples, normalised with the training set's statistics. {@code
   * initialWeights} draws the model's starting weights again, for a defence that trains afresh.
   */
  public TrainingOutcome train(
      Trainer trainer,
      MomentumSgd sgd,
      PoisonedSet data,
      ImageSet clean,
      ImageSet cleanTest,
      ImageSet triggeredTest,
      AugmentationPolicy augmentation,
      long seed,
      InitialWeights initialWeights,
      Optional<TrainingState> from,
      Checkpoints checkpoints) {
    long start = System.nanoTime();
    Device device = trainer.getDevices()[0];
    LearningRate learningRate = sgd.learningRate();
    ImageSet train = data.images();
    BatchLoader.ChannelStats stats = BatchLoader.ChannelStats.of(train);
    int trainSize = train.size();
    boolean[] poisoned = data.poisoned();
    if (clean.size() > 0) {
      train = concat(train, clean);
      poisoned = Arrays.copyOf(poisoned, train.size());
    }
    int maxBatch = Math.max(EVAL_BATCH, 2 * config.batchSize());
    BatchLoader plain = new BatchLoader(train, stats, maxBatch, device);
    Evaluator evaluator =
        new Evaluator(
            trainer,
            plain,
            new BatchLoader(cleanTest, stats, EVAL_BATCH, device),
            new BatchLoader(triggeredTest, stats, EVAL_BATCH, device),
            cancelled);
    Random rng = new Random(seed);
    Epochs epochs =
        new Epochs(
            config,
            trainer,
            sgd,
            learningRate,
            plain,
            new BatchLoader(train, stats, maxBatch, device, augmentation, rng),
            evaluator,
            poisoned,
            listener,
            cancelled);
    Progress progress =
        new Progress(
            trainer, sgd, epochs, checkpoints, rng, seed, defense.totalEpochs(config, fineTuning));
    from.ifPresent(progress::restore);
    int[] cleanIndices = new int[clean.size()];
    for (int i = 0; i < cleanIndices.length; i++) {
      cleanIndices[i] = trainSize + i;
    }
    return defense.train(
        new TrainingRun(
            config, fineTuning, data, cleanIndices, evaluator, epochs, learningRate, progress, rng,
            initialWeights, listener, start));
  }

  /** {@code a}'s samples followed by {@code b}'s, images of the same shape and classes. */
  private static ImageSet concat(ImageSet a, ImageSet b) {
    byte[] pixels = Arrays.copyOf(a.pixels(), a.pixels().length + b.pixels().length);
    System.arraycopy(b.pixels(), 0, pixels, a.pixels().length, b.pixels().length);
    int[] labels = Arrays.copyOf(a.labels(), a.size() + b.size());
    System.arraycopy(b.labels(), 0, labels, a.size(), b.size());
    return new ImageSet(pixels, labels, a.channels(), a.height(), a.width(), a.numClasses());
  }

  /**
   * The seed of epoch {@code epoch}'s shuffling and augmentation, mixed (SplitMix64's finaliser) so that
   * consecutive epochs do not seed {@link Random}'s LCG with neighbouring values.
   */
  static long epochSeed(long seed, int epoch) {
    long z = seed * 0x9E3779B97F4A7C15L + (epoch + 1) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  static int[] identity(int n) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = i;
    }
    return out;
  }

  static int[] shuffled(int[] values, Random rng) {
    int[] out = values.clone();
    for (int i = out.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }
}
