package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

import ai.djl.training.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Random;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where a run stands: the last finished epoch, the last test metrics and, for a defence that isolates, its
 * sets and their figures. Saved as a {@link TrainingState} after every epoch and whenever the sets change;
 * a resumed run starts from the one restored. Each epoch begins by reseeding the shuffling generator from
 * (seed, epoch), so a resumed run shuffles as an uninterrupted one would.
 */
final class Progress {
  private static final Logger logger = Logger.getLogger(Progress.class.getName());

  private final Trainer trainer;
  private final MomentumSgd sgd;
  private final Epochs epochs;
  private final Checkpoints checkpoints;
  private final Random rng;
  private final long seed;
  private int totalEpochs;
  private int epoch = -1;
  private int running;
  private boolean ranked;
  private int[] isolated = new int[0];
  private int[] kept = new int[0];
  private int[] suspects = new int[0];
  private double precision = Double.NaN;
  private double recall = Double.NaN;
  private double cleanAccuracy = Double.NaN;
  private double attackSuccessRate = Double.NaN;
  private double[] classAccuracy = new double[0];
  private Verdict verdict = Verdict.NOT_TESTED;
  private int[] pruned = new int[0];
  private byte[] aside = new byte[0];

  Progress(
      Trainer trainer, MomentumSgd sgd, Epochs epochs, Checkpoints checkpoints, Random rng, long seed,
      int totalEpochs) {
    this.trainer = requireNonNull(trainer, "trainer");
    this.sgd = requireNonNull(sgd, "sgd");
    this.epochs = requireNonNull(epochs, "epochs");
    this.checkpoints = requireNonNull(checkpoints, "checkpoints");
    this.rng = requireNonNull(rng, "rng");
    this.seed = seed;
    this.totalEpochs = totalEpochs;
  }

  /** Takes up where {@code state} left off: its epoch, sets, figures and step counter. */
  void restore(TrainingState state) {
    epoch = state.epoch();
    ranked = state.ranked();
    isolated = state.isolated();
    kept = state.kept();
    suspects = state.suspects();
    precision = state.isolationPrecision();
    recall = state.isolationRecall();
    cleanAccuracy = state.cleanAccuracy();
    attackSuccessRate = state.attackSuccessRate();
    classAccuracy = state.classAccuracy();
    verdict = state.verdict();
    pruned = state.pruned();
    aside = state.aside();
    epochs.resumeAt(state.step());
  }

  /** The first epoch still to run: 0 for a fresh run, the one after the checkpoint's for a resumed one. */
  int nextEpoch() {
    return epoch + 1;
  }

  /**
   * Starts epoch {@code next}, which the next {@link #endEpoch} closes, with shuffling and augmentation
   * reseeded as for epoch {@code drawnAs} (the same epoch, except where a stage trains afresh).
   */
  void beginEpoch(int next, int drawnAs) {
    running = next;
    rng.setSeed(AblTrainer.epochSeed(seed, drawnAs));
  }

  /** Sets the epochs the run trains in all, for a defence whose count the data decides. */
  void totalEpochs(int total) {
    this.totalEpochs = total;
  }

  /** Records the epoch begun last as finished, with the metrics of its evaluation, and saves. */
  void endEpoch(Phase phase) {
    epoch = running;
    cleanAccuracy = epochs.last().cleanAccuracy();
    attackSuccessRate = epochs.last().attackSuccessRate();
    classAccuracy = epochs.last().classAccuracy();
    save(phase);
    NativeMemory.trim(); // between epochs no batch is alive: the arenas' cache goes back to the system
  }

  /** Whether the isolated and kept sets are final: a resumed run restores them instead of ranking again. */
  boolean ranked() {
    return ranked;
  }

  /** The isolated set D_b, sorted; before the ranking, the core of a backdoor being followed (or empty). */
  int[] isolated() {
    return isolated;
  }

  /** The kept set D_c, sorted; empty before the ranking. */
  int[] kept() {
    return kept;
  }

  /** Before the ranking, the suspects of a backdoor being followed; empty otherwise. */
  int[] suspects() {
    return suspects;
  }

  /** The backdoor check's verdict so far. */
  Verdict verdict() {
    return verdict;
  }

  /** Saves the core and suspects of a backdoor confirmed early, to be followed until the turn. */
  void tracking(BackdoorCheck.Decision early) {
    this.isolated = early.ascended();
    this.suspects = early.suspects();
    this.verdict = early.verdict();
    save(Phase.ISOLATION);
  }

  /**
   * Fixes the ranking's sets and figures and saves them, with the phase that follows, so a resumed run does
   * not rank again.
   */
  void ranked(
      int[] isolated, int[] kept, Verdict verdict, double precision, double recall, Phase next) {
    this.ranked = true;
    this.isolated = isolated;
    this.kept = kept;
    this.suspects = new int[0];
    this.precision = precision;
    this.recall = recall;
    this.verdict = verdict;
    save(next);
  }

  /** The channels a pruning defence masked, ascending; empty if none. */
  int[] pruned() {
    return pruned;
  }

  /** Records the channels a pruning defence masked; saved with the epoch that ends next. */
  void pruned(int[] channels) {
    this.pruned = channels.clone();
  }

  /**
   * What a defence keeps beside the model ({@link TrainingState#aside}): parameters set aside (NAD), or
   * ABL's loss curve over the isolation epochs; empty if none.
   */
  byte[] aside() {
    return aside;
  }

  /** Sets what a defence keeps beside the model; saved with the epoch that ends next. */
  void aside(byte[] parameters) {
    this.aside = parameters;
  }

  /** Replaces the kept set, after suspects left it; saved with the epoch that ends next. */
  void keep(int[] kept) {
    this.kept = kept;
  }

  /** The run's figures as of the last finished epoch; {@code start} is {@link System#nanoTime} at its start. */
  TrainingOutcome outcome(long start) {
    return new TrainingOutcome(
        cleanAccuracy,
        attackSuccessRate,
        precision,
        recall,
        classAccuracy,
        verdict,
        totalEpochs,
        (System.nanoTime() - start) / 1_000_000,
        new long[0],
        pruned.length);
  }

  private void save(Phase phase) {
    try {
      ByteArrayOutputStream parameters = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(parameters)) {
        trainer.getModel().getBlock().saveParameters(out);
      }
      checkpoints.save(
          new TrainingState(
              epoch, phase, isolated, kept, suspects, epochs.step(), precision, recall, cleanAccuracy,
              attackSuccessRate, classAccuracy, verdict, parameters.toByteArray(),
              sgd.saveState(trainer.getModel().getBlock()), pruned, aside));
    } catch (IOException e) {
      // Training goes on: a failed checkpoint costs a longer redo after a crash, not the run.
      logger.log(Level.WARNING, "checkpoint after epoch " + epoch + " not saved", e);
    }
  }
}
