package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.data.ImageSet;
import io.ablserve.server.data.PoisonedSet;
import jakarta.inject.Inject;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import java.util.stream.IntStream;

/**
 * {@link Defense#ABL}: Anti-Backdoor Learning (Li et al., NeurIPS 2021).
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
 * With the backdoor check ({@link AblConfig#isolationExpansion}) D_b is the cluster {@link BackdoorCheck}
 * confirms, and early isolation may confirm it before {@code T_te} and follow it to the turn. When it confirms
 * nothing, the model goes back to its initial weights and trains as {@link PlainTraining} does, epoch for
 * epoch, numbered on from the turn ({@link Phase#RETRAINING}, {@link AblConfig#retrainUnconfirmed}): the
 * session ends as {@link Defense#NONE} would, with no trace of the unaugmented isolation epochs.
 */
public final class AblDefense implements DefenseStrategy {
  private static final Logger logger = Logger.getLogger(AblDefense.class.getName());

  /**
   * Early isolation ranks the losses of every isolation epoch and isolates once the loss gap has opened
   * on one label: at least this share of the set it would isolate carries a single label, the same label
   * as one epoch before. All-to-one poisons share their target label, and once learned they crowd the
   * bottom of the ranking; before that, the lowest losses spread over the easy classes.
   */
  static final double EARLY_ISOLATION_LABEL_SHARE = 0.6;

  private final Map<IsolationSignal, SignalScorer> scorers;

  /**
   * {@code scorers}: the scorer of each isolation signal a session may rank by at the turn (Guice's {@code
   * IsolationModule}).
   */
  @Inject
  public AblDefense(Map<IsolationSignal, SignalScorer> scorers) {
    this.scorers = Map.copyOf(requireNonNull(scorers, "scorers"));
  }

  @Override
  public TrainingOutcome train(TrainingRun run) {
    AblConfig config = run.config();
    Progress progress = run.progress();
    int next = run.nextEpoch();
    if (next == 0) {
      run.listener().onPhase(Phase.ISOLATION, 0);
    }
    run.learningRate(config.learningRate());
    AblState sets = sets(progress);
    if (sets.ranked()) {
      // Resumed after the ranking, which may have come early: unlearning (or retraining) goes on from here.
      if (retraining(config, sets.isolated())) {
        progress.totalEpochs(retrainedEpochs(config));
      }
      return unlearn(run, next);
    }
    Turn turn = isolate(run, next);
    turn(run, turn);
    return unlearn(run, Math.max(next, turn.epoch()));
  }

  /**
   * The isolation epochs from {@code next}: up to {@code isolation_epochs}, or fewer when early isolation
   * finds the loss gap open (without the backdoor check), or training plainly once a backdoor is confirmed
   * early and followed.
   */
  private Turn isolate(TrainingRun run, int next) {
    AblConfig config = run.config();
    Progress progress = run.progress();
    ImageSet train = run.train();
    int previousLabel = -1; // the label that dominated last epoch's ranking, -1 for none
    // A backdoor confirmed early and followed to the last isolation epoch; a resumed run picks it up.
    AblState restored = sets(progress);
    BackdoorCheck.Decision tracked =
        restored.isolated().length == 0
            ? null
            : new BackdoorCheck.Decision(progress.verdict(), restored.isolated(), restored.suspects());
    // Looked up before the first epoch, so a signal no module registered fails the run at once.
    boolean keepsLossCurve =
        IsolationSignals.scorer(scorers, config.isolationSignal()).needsTrainingLosses();
    for (int epoch = next; epoch < config.isolationEpochs(); epoch++) {
      run.beginEpoch(epoch);
      // Once a backdoor is confirmed, the epochs left before the turn train plainly: the loss gap has done
      // its work, and LGA's trapped loss only costs accuracy while the missed poisons are learned.
      Objective objective = tracked != null ? Objective.DESCENT : Objective.ISOLATION;
      run.run(Phase.ISOLATION, epoch, run.shuffled(run.all()), new int[0], objective);
      if (keepsLossCurve) {
        AblState sets = sets(progress);
        progress.defenseState(
            sets.withLossSums(IsolationSignals.addLosses(sets.lossSums(), run.epochs().lastLosses())).encode());
      }
      run.endEpoch(Phase.ISOLATION);
      if (tracked == null && config.isolateEarly() && epoch + 1 < config.isolationEpochs()) {
        // The check reads the losses the epoch's steps recorded anyway (every sample trains once per
        // isolation epoch), not a pass of its own: two extra passes made ABL 1.13x plain training.
        int label =
            Isolation.dominantLabel(
                Isolation.lowest(scores(config, run.epochs().lastLosses(), train), config.isolationRatio()),
                train.labels(), train.numClasses(), EARLY_ISOLATION_LABEL_SHARE);
        if (label >= 0 && label == previousLabel) {
          if (!config.isolationExpansion()) {
            return new Turn(epoch + 1, null);
          }
          // A label can dominate the ranking by being easy: act only once the check confirms a backdoor.
          // Confirmed this early, its cluster holds the poisons learned so far (47-84% on the held-out
          // half); the run goes on to isolation_epochs and follows the backdoor from this core, so the
          // poisons learned later join D_b (bench/RESULTS.md).
          Ranked early = rank(run, epoch + 1, null);
          if (early.decision().verdict().confirmed()) {
            tracked = early.decision();
            progress.verdict(tracked.verdict());
            progress.defenseState(sets(progress).tracking(tracked).encode());
            progress.checkpoint(Phase.ISOLATION);
          }
        }
        previousLabel = label;
      }
    }
    return new Turn(config.isolationEpochs(), tracked);
  }

  /**
   * The turn: ranks the training set (following {@code turn}'s backdoor if one was confirmed early), fixes
   * D_b and D_c, reports them and saves them.
   */
  private void turn(TrainingRun run, Turn turn) {
    AblConfig config = run.config();
    PoisonedSet data = run.data();
    TrainingListener listener = run.listener();
    int turning = turn.epoch();
    int n = run.all().length;
    listener.onPhase(Phase.ISOLATED, turning);
    Ranked ranked = rank(run, turning, turn.followed());
    IsolationReport isolation = ranked.isolation();
    listener.onIsolation(isolation);
    int[] isolated = Isolation.sorted(isolation.indices());
    int[] kept = Isolation.complement(isolated, n);
    double precision = isolation.precision();
    double recall = isolation.recall();
    if (config.isolationExpansion()) {
      // D_b is what the check confirmed, and its figures are those of the set ascended, not of the pick.
      BackdoorCheck.Decision decision = ranked.decision();
      isolated = decision.ascended();
      kept = Isolation.complement(concatSorted(isolated, decision.suspects()), n);
      FilterReport ascended = FilterReport.of(turning, isolated, kept.length, data.poisoned(), true);
      precision = ascended.precision();
      recall = ascended.recall();
      if (decision.verdict().confirmed()) {
        listener.onFilter(ascended);
        listener.onFilter(FilterReport.of(turning, decision.suspects(), kept.length, data.poisoned(), false));
      }
    }
    Phase next = isolated.length == 0 ? Phase.TRAINING : Phase.UNLEARNING;
    if (retraining(config, isolated)) {
      // Nothing confirmed: the isolation epochs (unaugmented, LGA) would stay in the model, so it starts
      // again from its initial weights and trains as plain training does, on every sample.
      run.restartFromInitialWeights();
      run.progress().totalEpochs(retrainedEpochs(config));
      kept = run.all();
      next = Phase.RETRAINING;
    }
    listener.onPhase(next, turning);
    // Saved at once, so a resumed run does not rank again; the loss curve, which the ranking read, with them.
    Progress progress = run.progress();
    AblState sets = sets(progress).ranked(isolated, kept);
    progress.verdict(isolation.verdict());
    progress.isolationFigures(precision, recall);
    progress.defenseState(sets.encode());
    progress.checkpoint(next);
    progress.defenseState(sets.withLossSums(new byte[0]).encode()); // the loss curve has served
  }

  /**
   * Whether a run with D_b {@code isolated} trains afresh after the turn: with the backdoor check, nothing
   * confirmed and {@link AblConfig#retrainUnconfirmed}. The turn is then at {@code isolation_epochs}.
   */
  private static boolean retraining(AblConfig config, int[] isolated) {
    return isolated.length == 0 && config.isolationExpansion() && config.retrainUnconfirmed();
  }

  /** The epochs of a run that retrains: the isolation epochs, then {@code epochs} plain ones. */
  private static int retrainedEpochs(AblConfig config) {
    return config.isolationEpochs() + config.epochs();
  }

  /** The epochs from {@code from} after the turn: unlearning D_b, or plain training when D_b is empty. */
  private TrainingOutcome unlearn(TrainingRun run, int from) {
    AblConfig config = run.config();
    Progress progress = run.progress();
    AblState sets = sets(progress);
    if (retraining(config, sets.isolated())) {
      // Plain training afresh, each epoch drawn and scheduled as plain training's epoch of the same rank,
      // so the run ends as Defense.NONE's would.
      int turning = config.isolationEpochs();
      for (int epoch = from; epoch < turning + config.epochs(); epoch++) {
        run.beginEpoch(epoch, epoch - turning);
        run.learningRate(config.decayed(config.learningRate(), epoch - turning));
        run.run(Phase.RETRAINING, epoch, run.shuffled(run.all()), new int[0], Objective.DESCENT);
        run.endEpoch(Phase.RETRAINING);
      }
    } else if (sets.isolated().length == 0) {
      // Nothing confirmed to unlearn: the rest of the run is plain training on every kept sample.
      for (int epoch = from; epoch < config.epochs(); epoch++) {
        run.beginEpoch(epoch);
        run.learningRate(config.decayed(config.learningRate(), epoch));
        run.run(Phase.TRAINING, epoch, run.shuffled(sets.kept()), new int[0], Objective.DESCENT);
        run.endEpoch(Phase.TRAINING);
      }
    } else if (config.unlearningMode() == UnlearningMode.GGA) {
      for (int epoch = from; epoch < config.epochs(); epoch++) {
        run.beginEpoch(epoch);
        run.learningRate(config.decayed(config.unlearningLearningRate(), epoch));
        PseudoLabelled pseudo = pseudoLabelled(run, sets, epoch);
        int[] order = pseudo == null ? sets.kept() : concatSorted(sets.kept(), pseudo.samples());
        run.run(
            Phase.UNLEARNING, epoch, run.shuffled(order), run.shuffled(sets.isolated()), Objective.GGA,
            pseudo == null ? null : pseudo.labels());
        if (config.suspectFiltering() && epoch < config.epochs() - 1) {
          sets = sets.withKept(filterSuspects(run, epoch, sets.kept(), sets.isolated()));
          progress.defenseState(sets.encode());
        }
        run.endEpoch(Phase.UNLEARNING);
      }
    } else {
      int ascentFrom = config.epochs() - config.ascentEpochs();
      for (int epoch = from; epoch < ascentFrom; epoch++) {
        run.beginEpoch(epoch);
        run.learningRate(config.decayed(config.learningRate(), epoch));
        run.run(Phase.UNLEARNING, epoch, run.shuffled(sets.kept()), new int[0], Objective.DESCENT);
        run.endEpoch(Phase.UNLEARNING);
      }
      run.learningRate(config.unlearningLearningRate());
      for (int epoch = Math.max(from, ascentFrom); epoch < config.epochs(); epoch++) {
        run.beginEpoch(epoch);
        run.run(Phase.UNLEARNING, epoch, run.shuffled(sets.isolated()), new int[0], Objective.ASCENT);
        run.endEpoch(Phase.UNLEARNING);
      }
    }
    return run.outcome();
  }

  /**
   * With {@link SuspectTreatment#PSEUDO_LABEL} and the backdoor check, from the second epoch after the turn:
   * the samples out of both D_b and D_c (the check's suspects) that the model now classifies with confidence, and the labels
   * every sample trains under this epoch (theirs the model's, the rest their own). Null when there are none
   * or the treatment drops them.
   */
  private static PseudoLabelled pseudoLabelled(TrainingRun run, AblState sets, int epoch) {
    AblConfig config = run.config();
    // Only the check's suspects: without it, what is out of both sets was dropped by suspect filtering, which
    // drops for good. With the check the turn is at isolation_epochs.
    if (config.suspectTreatment() != SuspectTreatment.PSEUDO_LABEL || !config.isolationExpansion()
        || epoch <= config.isolationEpochs()) {
      return null;
    }
    int[] labels = run.data().images().labels();
    int[] unlabelled =
        Isolation.complement(concatSorted(sets.kept(), sets.isolated()), labels.length);
    if (unlabelled.length == 0) {
      return null;
    }
    int[] predicted =
        run.evaluator().confidentPredictions(unlabelled, SuspectTreatment.PSEUDO_LABEL_CONFIDENCE);
    PseudoLabelled pseudo = pseudoLabelled(labels, unlabelled, predicted);
    boolean[] poisoned = run.data().poisoned();
    long own = IntStream.of(pseudo.samples()).filter(i -> pseudo.labels()[i] == labels[i]).count();
    long poisonsUnderOwn =
        IntStream.of(pseudo.samples()).filter(i -> poisoned[i] && pseudo.labels()[i] == labels[i]).count();
    long poisons = IntStream.of(pseudo.samples()).filter(i -> poisoned[i]).count();
    logger.info(
        String.format(
            "epoch %d: %d of %d suspects train under the model's labels: %d under their own (%d of them"
                + " poisons), %d under another (%d poisons)",
            epoch, pseudo.samples().length, unlabelled.length, own, poisonsUnderOwn,
            pseudo.samples().length - own, poisons - poisonsUnderOwn));
    return pseudo;
  }

  /**
   * The {@code unlabelled} samples the model classified with confidence ({@code predicted} >= 0, one per
   * unlabelled sample) and the labels every sample trains under: theirs {@code predicted}, the rest's their
   * own {@code labels}.
   */
  static PseudoLabelled pseudoLabelled(int[] labels, int[] unlabelled, int[] predicted) {
    int[] trained = labels.clone();
    for (int i = 0; i < unlabelled.length; i++) {
      if (predicted[i] >= 0) {
        trained[unlabelled[i]] = predicted[i];
      }
    }
    int[] samples =
        IntStream.range(0, unlabelled.length).filter(i -> predicted[i] >= 0).map(i -> unlabelled[i]).toArray();
    return new PseudoLabelled(samples, trained);
  }

  /** Suspects that train this epoch and the labels of every training sample, theirs the model's. */
  record PseudoLabelled(int[] samples, int[] labels) {}

  /**
   * Ranks every training sample by its eval-mode loss at epoch {@code turning}, isolates the lowest share
   * and, with the backdoor check on, decides whether those samples are a backdoor's; with {@code followed}
   * (a backdoor confirmed early) it splits that backdoor's label again from its core ({@link
   * BackdoorCheck#track}) instead.
   */
  private Ranked rank(TrainingRun run, int turning, BackdoorCheck.Decision followed) {
    AblConfig config = run.config();
    PoisonedSet data = run.data();
    Evaluator evaluator = run.evaluator();
    ImageSet train = data.images();
    float[] losses = evaluator.sampleLosses(run.all());
    IsolationSignal signal = config.isolationSignal();
    SignalScorer scorer = IsolationSignals.scorer(scorers, signal);
    IsolationSignals signals =
        new IsolationSignals(
            scorers,
            losses,
            scorer.needsTrainingLosses()
                ? IsolationSignals.meanLosses(sets(run.progress()).lossSums(), losses.length, turning)
                : null,
            train.labels(), train.numClasses(), config.ranking(), t -> evaluator.sampleFeatures(run.all(), t));
    float[] scores = signals.scores(signal);
    IsolationReport ranking =
        Isolation.isolate(scores, losses, data.poisoned(), config.isolationRatio(), turning);
    if (!config.isolationExpansion()) {
      return new Ranked(ranking, null);
    }
    if (followed != null) {
      BackdoorCheck.Tracked tracked =
          BackdoorCheck.track(
              followed, losses, train.labels(), train.numClasses(), evaluator::sampleFeatures,
              evaluator::trainPredictions);
      TriggerProbe.Outcome probed = probed(config, tracked.decision(), data);
      run.listener().onBackdoorCheck(
          BackdoorCheckReport.of(
              turning, tracked.split() == null ? List.of() : List.of(tracked.split()),
              probed.decision().verdict(), probed.report()));
      return new Ranked(ranking.withVerdict(probed.decision().verdict()), probed.decision());
    }
    List<BackdoorCheck.Candidate> candidates =
        BackdoorCheck.candidates(
            losses, scorer.splitSeeds(signals, scores), train.labels(), train.numClasses(),
            evaluator::sampleFeatures, evaluator::trainPredictions);
    BackdoorCheck.Decision decision = BackdoorCheck.decide(candidates, train.numClasses());
    // An early check only decides whether to follow; the probe checks what is ascended, at the turn.
    TriggerProbe.Outcome probed =
        turning == config.isolationEpochs()
            ? probed(config, decision, data)
            : new TriggerProbe.Outcome(decision, ProbeReport.NOT_RUN);
    run.listener().onBackdoorCheck(
        BackdoorCheckReport.of(turning, candidates, probed.decision().verdict(), probed.report()));
    return new Ranked(ranking.withVerdict(probed.decision().verdict()), probed.decision());
  }

  /** The decision after the trigger probe, when it is on ({@link AblConfig#triggerProbe}). */
  private static TriggerProbe.Outcome probed(
      AblConfig config, BackdoorCheck.Decision decision, PoisonedSet data) {
    return config.triggerProbe()
        ? TriggerProbe.refine(decision, data.images())
        : new TriggerProbe.Outcome(decision, ProbeReport.NOT_RUN);
  }

  /** The epoch of the turn and the backdoor confirmed early and followed to it (null if none). */
  private record Turn(int epoch, BackdoorCheck.Decision followed) {}

  /** The ranking at a turning epoch and, with the backdoor check, its decision (null without). */
  private record Ranked(IsolationReport isolation, BackdoorCheck.Decision decision) {}

  /** The sets as the run's checkpoints keep them. */
  private static AblState sets(Progress progress) {
    return AblState.of(progress.defenseState());
  }

  private static int[] concatSorted(int[] a, int[] b) {
    return IntStream.concat(IntStream.of(a), IntStream.of(b)).sorted().toArray();
  }

  private static float[] scores(AblConfig config, float[] losses, ImageSet train) {
    return Isolation.scores(losses, train.labels(), train.numClasses(), config.ranking());
  }

  /**
   * Drops from {@code kept} the suspects {@link SuspectFilter} finds, and reports them. Whether it runs: with
   * the backdoor check the ascended set is a confirmed cluster and the filter is off by default: its loss
   * test drops target-labelled samples whose loss the GGA epoch itself raised (held-out BadNets: 749 clean
   * target-class images dropped, that class at 40%). Without the check (the paper's recipe) it follows the
   * 1% ranking's over-represented labels.
   */
  private static int[] filterSuspects(TrainingRun run, int epoch, int[] kept, int[] isolated) {
    boolean[] poisoned = run.data().poisoned();
    ImageSet train = run.evaluator().train().set();
    boolean[] labels = SuspectFilter.suspectLabels(isolated, train.labels(), train.numClasses());
    int[] candidates = SuspectFilter.candidates(kept, train.labels(), labels);
    boolean[] removed =
        SuspectFilter.removed(
            candidates, run.evaluator().sampleLosses(candidates), SuspectFilter.LOSS_THRESHOLD,
            poisoned.length);
    return leaving(run.listener(), epoch, kept, removed, poisoned, false);
  }

  /**
   * {@code kept} without the samples flagged in {@code leaving}; reports them, scored against the ground
   * truth, as filtered or ({@code expansion}) moved into D_b.
   */
  private static int[] leaving(
      TrainingListener listener, int epoch, int[] kept, boolean[] leaving, boolean[] poisoned,
      boolean expansion) {
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
}
