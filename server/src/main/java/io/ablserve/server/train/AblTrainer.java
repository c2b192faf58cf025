package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.training.Trainer;
import io.ablserve.server.data.AugmentationPolicy;
import io.ablserve.server.data.ImageSet;
import io.ablserve.server.data.PoisonedSet;
import java.util.Arrays;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * Anti-Backdoor Learning (Li et al., NeurIPS 2021) on one model.
 *
 * <ol>
 *   <li>Isolation, epochs {@code t < T_te}: train with LGA {@code sign(l - gamma) * l} or flooding, so
 *       backdoor samples, learned fastest, fall below the clean ones' trapped loss.
 *   <li>At {@code T_te}: rank every training sample by its own cross-entropy (eval mode, no augmentation);
 *       the lowest share {@code p} is the isolated set D_b, the rest D_c.
 *   <li>Unlearning, {@code t >= T_te}: GGA, each step descending the mean loss of a D_c batch while
 *       ascending the mean loss of a few D_b samples; or the official split, fine-tuning on D_c and then
 *       ascending on D_b alone. With suspect filtering, the poisons the ranking missed leave D_c after
 *       each GGA epoch ({@link SuspectFilter}).
 * </ol>
 *
 * With {@link Defense#NONE} it trains plainly, the undefended baseline. Telemetry leaves through the
 * {@link TrainingListener}; every NDArray of a batch lives in a sub-manager closed with the batch.
 */
public final class AblTrainer {
  static final int EVAL_BATCH = 512;

  private final AblConfig config;
  private final TrainingListener listener;
  private final BooleanSupplier cancelled;

  public AblTrainer(AblConfig config, TrainingListener listener, BooleanSupplier cancelled) {
    this.config = requireNonNull(config, "config");
    this.listener = requireNonNull(listener, "listener");
    this.cancelled = requireNonNull(cancelled, "cancelled");
  }

  /**
   * Trains {@code trainer}'s model on {@code data} for {@code config.epochs()} epochs and evaluates it each
   * epoch on the clean and triggered test sets. {@code learningRate} must be the optimizer's tracker;
   * {@code rng} drives shuffling and augmentation.
   */
  public TrainingOutcome train(
      Trainer trainer,
      LearningRate learningRate,
      PoisonedSet data,
      ImageSet cleanTest,
      ImageSet triggeredTest,
      AugmentationPolicy augmentation,
      Random rng) {
    long start = System.nanoTime();
    Device device = trainer.getDevices()[0];
    ImageSet train = data.images();
    BatchLoader.ChannelStats stats = BatchLoader.ChannelStats.of(train);
    int maxBatch = Math.max(EVAL_BATCH, 2 * config.batchSize());
    BatchLoader plain = new BatchLoader(train, stats, maxBatch, device);
    Evaluator evaluator =
        new Evaluator(
            trainer,
            plain,
            new BatchLoader(cleanTest, stats, EVAL_BATCH, device),
            new BatchLoader(triggeredTest, stats, EVAL_BATCH, device),
            cancelled);
    Epochs epochs =
        new Epochs(
            config,
            trainer,
            learningRate,
            plain,
            new BatchLoader(train, stats, maxBatch, device, augmentation, rng),
            evaluator,
            data.poisoned(),
            listener,
            cancelled);
    int[] all = identity(train.size());

    if (config.defense() == Defense.NONE) {
      listener.onPhase(Phase.TRAINING, 0);
      learningRate.set(config.learningRate());
      EpochReport last = null;
      for (int epoch = 0; epoch < config.epochs(); epoch++) {
        last = epochs.run(Phase.TRAINING, epoch, shuffled(all, rng), new int[0], Objective.DESCENT);
      }
      return outcome(last, Double.NaN, Double.NaN, start);
    }

    listener.onPhase(Phase.ISOLATION, 0);
    learningRate.set(config.learningRate());
    for (int epoch = 0; epoch < config.isolationEpochs(); epoch++) {
      epochs.run(Phase.ISOLATION, epoch, shuffled(all, rng), new int[0], Objective.ISOLATION);
    }

    int turning = config.isolationEpochs();
    listener.onPhase(Phase.ISOLATED, turning);
    float[] losses = evaluator.sampleLosses(all);
    float[] scores = Isolation.scores(losses, train.labels(), train.numClasses(), config.ranking());
    IsolationReport isolation =
        Isolation.isolate(scores, losses, data.poisoned(), config.isolationRatio(), turning);
    listener.onIsolation(isolation);
    int[] isolated = Isolation.sorted(isolation.indices());
    int[] kept = Isolation.complement(isolated, all.length);

    listener.onPhase(Phase.UNLEARNING, turning);
    EpochReport last = null;
    if (config.unlearningMode() == UnlearningMode.GGA) {
      learningRate.set(config.unlearningLearningRate());
      for (int epoch = turning; epoch < config.epochs(); epoch++) {
        last = epochs.run(Phase.UNLEARNING, epoch, shuffled(kept, rng), shuffled(isolated, rng), Objective.GGA);
        if (config.suspectFiltering() && epoch < config.epochs() - 1) {
          kept = filterSuspects(evaluator, epoch, kept, isolated, data.poisoned());
        }
      }
    } else {
      int ascentFrom = config.epochs() - config.ascentEpochs();
      learningRate.set(config.learningRate());
      for (int epoch = turning; epoch < ascentFrom; epoch++) {
        last = epochs.run(Phase.UNLEARNING, epoch, shuffled(kept, rng), new int[0], Objective.DESCENT);
      }
      learningRate.set(config.unlearningLearningRate());
      for (int epoch = ascentFrom; epoch < config.epochs(); epoch++) {
        last = epochs.run(Phase.UNLEARNING, epoch, shuffled(isolated, rng), new int[0], Objective.ASCENT);
      }
    }
    return outcome(last, isolation.precision(), isolation.recall(), start);
  }

  /** Drops from {@code kept} the suspects {@link SuspectFilter} finds, and reports them. */
  private int[] filterSuspects(
      Evaluator evaluator, int epoch, int[] kept, int[] isolated, boolean[] poisoned) {
    ImageSet train = evaluator.train().set();
    boolean[] labels = SuspectFilter.suspectLabels(isolated, train.labels(), train.numClasses());
    int[] candidates = SuspectFilter.candidates(kept, train.labels(), labels);
    boolean[] removed =
        SuspectFilter.removed(
            candidates, evaluator.sampleLosses(candidates), SuspectFilter.LOSS_THRESHOLD, poisoned.length);
    int[] remaining = Arrays.stream(kept).filter(i -> !removed[i]).toArray();
    int removedCount = kept.length - remaining.length;
    int hits = 0;
    int poisonsInKept = 0;
    for (int i : kept) {
      poisonsInKept += poisoned[i] ? 1 : 0;
      hits += poisoned[i] && removed[i] ? 1 : 0;
    }
    listener.onFilter(
        new FilterReport(
            epoch,
            removedCount,
            removedCount == 0 ? Double.NaN : (double) hits / removedCount,
            poisonsInKept == 0 ? Double.NaN : (double) hits / poisonsInKept,
            remaining.length));
    return remaining;
  }

  private TrainingOutcome outcome(EpochReport last, double precision, double recall, long start) {
    return new TrainingOutcome(
        last.cleanAccuracy(),
        last.attackSuccessRate(),
        precision,
        recall,
        config.epochs(),
        (System.nanoTime() - start) / 1_000_000);
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
