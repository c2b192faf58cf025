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
 * Where a run stands: the last finished epoch, the last test metrics, the backdoor check's figures and
 * what the defence keeps of its own ({@link DefenseState}), which this class holds without reading. Saved
 * as a {@link TrainingState} after every epoch and whenever the defence asks; a resumed run starts from the
 * one restored. Each epoch begins by reseeding the shuffling generator from
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
  private double precision = Double.NaN;
  private double recall = Double.NaN;
  private double cleanAccuracy = Double.NaN;
  private double attackSuccessRate = Double.NaN;
  private double[] classAccuracy = new double[0];
  private Verdict verdict = Verdict.NOT_TESTED;
  private DefenseState defenseState = DefenseState.EMPTY;

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

  /** Takes up where {@code state} left off: its epoch, figures, step counter and the defence's state. */
  void restore(TrainingState state) {
    epoch = state.epoch();
    precision = state.isolationPrecision();
    recall = state.isolationRecall();
    cleanAccuracy = state.cleanAccuracy();
    attackSuccessRate = state.attackSuccessRate();
    classAccuracy = state.classAccuracy();
    verdict = state.verdict();
    defenseState = state.defenseState();
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
    checkpoint(phase);
    NativeMemory.trim(); // between epochs no batch is alive: the arenas' cache goes back to the system
  }

  /** The backdoor check's verdict so far. */
  Verdict verdict() {
    return verdict;
  }

  /** Records the backdoor check's verdict; saved with the next checkpoint. */
  void verdict(Verdict verdict) {
    this.verdict = requireNonNull(verdict, "verdict");
  }

  /** Records the ranking's precision and recall; saved with the next checkpoint. */
  void isolationFigures(double precision, double recall) {
    this.precision = precision;
    this.recall = recall;
  }

  /** What the defence keeps beside the model, as it last set it; empty for a fresh run. */
  DefenseState defenseState() {
    return defenseState;
  }

  /** Replaces what the defence keeps beside the model; saved with the next checkpoint. */
  void defenseState(DefenseState state) {
    this.defenseState = requireNonNull(state, "state");
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
        new long[0]);
  }

  /**
   * Saves a checkpoint with {@code phase}: at the end of every epoch and, between epochs, for a step a resumed
   * run must not take again (ABL's ranking, a backdoor confirmed early).
   */
  void checkpoint(Phase phase) {
    try {
      ByteArrayOutputStream parameters = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(parameters)) {
        trainer.getModel().getBlock().saveParameters(out);
      }
      checkpoints.save(
          new TrainingState(
              epoch, phase, epochs.step(), precision, recall, cleanAccuracy, attackSuccessRate, classAccuracy,
              verdict, parameters.toByteArray(), sgd.saveState(trainer.getModel().getBlock()), defenseState));
    } catch (IOException e) {
      // Training goes on: a failed checkpoint costs a longer redo after a crash, not the run.
      logger.log(Level.WARNING, "checkpoint after epoch " + epoch + " not saved", e);
    }
  }
}
