package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.training.Trainer;
import io.ablserve.server.data.AugmentationPolicy;
import io.ablserve.server.data.ImageSet;
import io.ablserve.server.data.PoisonedSet;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

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
  /**
   * Early isolation ranks the losses of every isolation epoch and isolates once the loss gap has opened
   * on one label: at least this share of the set it would isolate carries a single label, the same label
   * as one epoch before. All-to-one poisons share their target label, and once learned they crowd the
   * bottom of the ranking; before that, the lowest losses spread over the easy classes.
   */
  static final double EARLY_ISOLATION_LABEL_SHARE = 0.6;

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
   * epoch on the clean and triggered test sets, saving a checkpoint after each. With {@code from}, the
   * model and optimizer already hold its parameters and the run goes on after its epoch, its ranking
   * restored rather than computed again. Each epoch's shuffling and augmentation draw from a generator
   * seeded with ({@code seed}, epoch), so a resumed run shuffles as an uninterrupted one would.
   */
  public TrainingOutcome train(
      Trainer trainer,
      MomentumSgd sgd,
      PoisonedSet data,
      ImageSet cleanTest,
      ImageSet triggeredTest,
      AugmentationPolicy augmentation,
      long seed,
      Optional<TrainingState> from,
      Checkpoints checkpoints) {
    long start = System.nanoTime();
    Device device = trainer.getDevices()[0];
    LearningRate learningRate = sgd.learningRate();
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
            data.poisoned(),
            listener,
            cancelled);
    Progress progress = new Progress(trainer, sgd, epochs, checkpoints, rng, seed, config.epochs());
    from.ifPresent(progress::restore);
    int next = progress.nextEpoch();
    int[] all = identity(train.size());

    if (config.defense() == Defense.NONE) {
      if (next == 0) {
        listener.onPhase(Phase.TRAINING, 0);
      }
      for (int epoch = next; epoch < config.epochs(); epoch++) {
        progress.beginEpoch(epoch);
        learningRate.set(config.decayed(config.learningRate(), epoch));
        epochs.run(Phase.TRAINING, epoch, shuffled(all, rng), new int[0], Objective.DESCENT);
        progress.endEpoch(Phase.TRAINING);
      }
      return progress.outcome(start);
    }

    if (next == 0) {
      listener.onPhase(Phase.ISOLATION, 0);
    }
    learningRate.set(config.learningRate());
    int turning = config.isolationEpochs();
    Ranked ranked = null;
    int previousLabel = -1; // the label that dominated last epoch's ranking, -1 for none
    // A backdoor confirmed early and followed to the last isolation epoch; a resumed run picks it up.
    Ranked tracked =
        progress.ranked() || progress.isolated().length == 0
            ? null
            : new Ranked(
                null, new BackdoorCheck.Decision(progress.verdict(), progress.isolated(), progress.suspects()));
    for (int epoch = next; epoch < config.isolationEpochs() && !progress.ranked(); epoch++) {
      progress.beginEpoch(epoch);
      // Once a backdoor is confirmed, the epochs left before the turn train plainly: the loss gap has done
      // its work, and LGA's trapped loss only costs accuracy while the missed poisons are learned.
      Objective objective = tracked != null ? Objective.DESCENT : Objective.ISOLATION;
      epochs.run(Phase.ISOLATION, epoch, shuffled(all, rng), new int[0], objective);
      progress.endEpoch(Phase.ISOLATION);
      if (tracked == null && config.isolateEarly() && epoch + 1 < config.isolationEpochs()) {
        // The check reads the losses the epoch's steps recorded anyway (every sample trains once per
        // isolation epoch), not a pass of its own: two extra passes made ABL 1.13x plain training.
        int label =
            Isolation.dominantLabel(
                Isolation.lowest(scores(epochs.lastLosses(), train), config.isolationRatio()),
                train.labels(), train.numClasses(), EARLY_ISOLATION_LABEL_SHARE);
        if (label >= 0 && label == previousLabel) {
          if (!config.isolationExpansion()) {
            turning = epoch + 1;
            break;
          }
          // A label can dominate the ranking by being easy: act only once the check confirms a backdoor.
          // Confirmed this early, its cluster holds the poisons learned so far (47-84% on the held-out
          // half); the run goes on to isolation_epochs and follows the backdoor from this core, so the
          // poisons learned later join D_b (bench/RESULTS.md).
          Ranked early = rank(evaluator, data, all, epoch + 1, null);
          if (early.decision().verdict().confirmed()) {
            tracked = early;
            progress.tracking(early.decision());
          }
        }
        previousLabel = label;
      }
    }
    if (progress.ranked()) {
      turning = next; // resumed after the ranking, which may have come early: unlearning goes on from here
    }

    if (!progress.ranked()) {
      listener.onPhase(Phase.ISOLATED, turning);
      if (ranked == null) {
        ranked = rank(evaluator, data, all, turning, tracked);
      }
      IsolationReport isolation = ranked.isolation();
      listener.onIsolation(isolation);
      int[] isolated = Isolation.sorted(isolation.indices());
      int[] kept = Isolation.complement(isolated, all.length);
      double precision = isolation.precision();
      double recall = isolation.recall();
      if (config.isolationExpansion()) {
        // D_b is what the check confirmed, and its figures are those of the set ascended, not of the pick.
        BackdoorCheck.Decision decision = ranked.decision();
        isolated = decision.ascended();
        kept = Isolation.complement(concatSorted(isolated, decision.suspects()), all.length);
        FilterReport ascended = FilterReport.of(turning, isolated, kept.length, data.poisoned(), true);
        precision = ascended.precision();
        recall = ascended.recall();
        if (decision.verdict().confirmed()) {
          listener.onFilter(ascended);
          listener.onFilter(FilterReport.of(turning, decision.suspects(), kept.length, data.poisoned(), false));
        }
      }
      listener.onPhase(isolated.length == 0 ? Phase.TRAINING : Phase.UNLEARNING, turning);
      progress.ranked(isolated, kept, isolation.verdict(), precision, recall);
    }

    if (progress.isolated().length == 0) {
      // Nothing confirmed to unlearn: the rest of the run is plain training on every kept sample.
      for (int epoch = Math.max(next, turning); epoch < config.epochs(); epoch++) {
        progress.beginEpoch(epoch);
        learningRate.set(config.decayed(config.learningRate(), epoch));
        epochs.run(Phase.TRAINING, epoch, shuffled(progress.kept(), rng), new int[0], Objective.DESCENT);
        progress.endEpoch(Phase.TRAINING);
      }
      return progress.outcome(start);
    }
    if (config.unlearningMode() == UnlearningMode.GGA) {
      for (int epoch = Math.max(next, turning); epoch < config.epochs(); epoch++) {
        progress.beginEpoch(epoch);
        learningRate.set(config.decayed(config.unlearningLearningRate(), epoch));
        epochs.run(
            Phase.UNLEARNING, epoch, shuffled(progress.kept(), rng), shuffled(progress.isolated(), rng),
            Objective.GGA);
        if (filtering() && epoch < config.epochs() - 1) {
          progress.keep(filterSuspects(evaluator, epoch, progress.kept(), progress.isolated(), data.poisoned()));
        }
        progress.endEpoch(Phase.UNLEARNING);
      }
    } else {
      int ascentFrom = config.epochs() - config.ascentEpochs();
      for (int epoch = Math.max(next, turning); epoch < ascentFrom; epoch++) {
        progress.beginEpoch(epoch);
        learningRate.set(config.decayed(config.learningRate(), epoch));
        epochs.run(Phase.UNLEARNING, epoch, shuffled(progress.kept(), rng), new int[0], Objective.DESCENT);
        progress.endEpoch(Phase.UNLEARNING);
      }
      learningRate.set(config.unlearningLearningRate());
      for (int epoch = Math.max(next, ascentFrom); epoch < config.epochs(); epoch++) {
        progress.beginEpoch(epoch);
        epochs.run(Phase.UNLEARNING, epoch, shuffled(progress.isolated(), rng), new int[0], Objective.ASCENT);
        progress.endEpoch(Phase.UNLEARNING);
      }
    }
    return progress.outcome(start);
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

  /**
   * Whether suspect filtering runs after a GGA epoch. With the backdoor check the ascended set is a
   * confirmed cluster and the filter is off by default: its loss test drops target-labelled samples whose
   * loss the GGA epoch itself raised (held-out BadNets: 749 clean target-class images dropped, that class at
   * 40%). Without the check (the paper's recipe) it follows the 1% ranking's over-represented labels.
   */
  private boolean filtering() {
    return config.suspectFiltering();
  }

  /**
   * Ranks every training sample by its eval-mode loss at epoch {@code turning}, isolates the lowest share
   * and, with the backdoor check on, decides whether those samples are a backdoor's; with {@code followed}
   * (a backdoor confirmed early) it splits that backdoor's label again from its core ({@link
   * BackdoorCheck#track}) instead.
   */
  private Ranked rank(Evaluator evaluator, PoisonedSet data, int[] all, int turning, Ranked followed) {
    ImageSet train = data.images();
    float[] losses = evaluator.sampleLosses(all);
    IsolationReport ranking =
        Isolation.isolate(scores(losses, train), losses, data.poisoned(), config.isolationRatio(), turning);
    if (!config.isolationExpansion()) {
      return new Ranked(ranking, null);
    }
    if (followed != null) {
      BackdoorCheck.Tracked tracked =
          BackdoorCheck.track(
              followed.decision(), losses, train.labels(), train.numClasses(), evaluator::sampleFeatures,
              evaluator::trainPredictions);
      TriggerProbe.Outcome probed = probed(tracked.decision(), data);
      listener.onBackdoorCheck(
          BackdoorCheckReport.of(
              turning, tracked.split() == null ? List.of() : List.of(tracked.split()),
              probed.decision().verdict(), probed.report()));
      return new Ranked(ranking.withVerdict(probed.decision().verdict()), probed.decision());
    }
    List<BackdoorCheck.Candidate> candidates =
        BackdoorCheck.candidates(
            losses, train.labels(), train.numClasses(), evaluator::sampleFeatures, evaluator::trainPredictions);
    BackdoorCheck.Decision decision = BackdoorCheck.decide(candidates, train.numClasses());
    // An early check only decides whether to follow; the probe checks what is ascended, at the turn.
    TriggerProbe.Outcome probed =
        turning == config.isolationEpochs()
            ? probed(decision, data)
            : new TriggerProbe.Outcome(decision, ProbeReport.NOT_RUN);
    listener.onBackdoorCheck(
        BackdoorCheckReport.of(turning, candidates, probed.decision().verdict(), probed.report()));
    return new Ranked(ranking.withVerdict(probed.decision().verdict()), probed.decision());
  }

  /** The decision after the trigger probe, when it is on ({@link AblConfig#triggerProbe}). */
  private TriggerProbe.Outcome probed(BackdoorCheck.Decision decision, PoisonedSet data) {
    return config.triggerProbe()
        ? TriggerProbe.refine(decision, data.images())
        : new TriggerProbe.Outcome(decision, ProbeReport.NOT_RUN);
  }

  /** The ranking at a turning epoch and, with the backdoor check, its decision (null without). */
  private record Ranked(IsolationReport isolation, BackdoorCheck.Decision decision) {}

  private static int[] concatSorted(int[] a, int[] b) {
    return IntStream.concat(IntStream.of(a), IntStream.of(b)).sorted().toArray();
  }

  private float[] scores(float[] losses, ImageSet train) {
    return Isolation.scores(losses, train.labels(), train.numClasses(), config.ranking());
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
    return leaving(epoch, kept, removed, poisoned, false);
  }

  /**
   * {@code kept} without the samples flagged in {@code leaving}; reports them, scored against the ground
   * truth, as filtered or ({@code expansion}) moved into D_b.
   */
  private int[] leaving(int epoch, int[] kept, boolean[] leaving, boolean[] poisoned, boolean expansion) {
    int[] remaining = Arrays.stream(kept).filter(i -> !leaving[i]).toArray();
    int removedCount = kept.length - remaining.length;
    int hits = 0;
    int poisonsInKept = 0;
    for (int i : kept) {
      poisonsInKept += poisoned[i] ? 1 : 0;
      hits += poisoned[i] && leaving[i] ? 1 : 0;
    }
    listener.onFilter(
        new FilterReport(
            epoch,
            removedCount,
            removedCount == 0 ? Double.NaN : (double) hits / removedCount,
            poisonsInKept == 0 ? Double.NaN : (double) hits / poisonsInKept,
            remaining.length,
            expansion,
            Arrays.stream(kept).filter(i -> leaving[i]).sorted().toArray()));
    return remaining;
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
