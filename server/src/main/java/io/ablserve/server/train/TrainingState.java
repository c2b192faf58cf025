package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

/**
 * Everything a run needs to go on after epoch {@code epoch} as if it had never stopped. Shuffling and
 * augmentation are reseeded from (seed, epoch) at the start of every epoch, so no random state is kept.
 * What every run has is a field here; what only one defence keeps is in {@code defenseState}, which the
 * defence alone reads.
 *
 * <p>The verdict and the isolation figures stay here although only ABL computes them: they are the run's
 * reported figures ({@link TrainingOutcome}), which every defence returns (not tested, NaN), and a resumed
 * run must report what an uninterrupted one would.
 *
 * @param epoch the last finished epoch; the run continues with {@code epoch + 1}
 * @param phase the phase that epoch belonged to
 * @param step the global step counter after that epoch
 * @param isolationPrecision the ranking's precision; NaN before it
 * @param isolationRecall the ranking's recall; NaN before it
 * @param cleanAccuracy that epoch's clean accuracy; NaN for a checkpoint taken at the ranking
 * @param attackSuccessRate that epoch's attack success rate; NaN for a checkpoint taken at the ranking
 * @param classAccuracy that epoch's clean accuracy of each class, by label; empty at the ranking
 * @param verdict the backdoor check's verdict; {@link Verdict#NOT_TESTED} before the ranking or without it
 * @param parameters the model's parameters, DJL's {@code Block.saveParameters} format
 * @param optimizer the optimizer's momentum buffers ({@link MomentumSgd})
 * @param defenseState what the run's defence keeps beside the model ({@link AblState}, ...); empty for one
 *     that keeps nothing
 */
public record TrainingState(
    int epoch,
    Phase phase,
    long step,
    double isolationPrecision,
    double isolationRecall,
    double cleanAccuracy,
    double attackSuccessRate,
    double[] classAccuracy,
    Verdict verdict,
    byte[] parameters,
    byte[] optimizer,
    DefenseState defenseState) {
  public TrainingState {
    requireNonNull(phase, "phase");
    requireNonNull(classAccuracy, "classAccuracy");
    requireNonNull(verdict, "verdict");
    requireNonNull(parameters, "parameters");
    requireNonNull(optimizer, "optimizer");
    requireNonNull(defenseState, "defenseState");
    if (epoch < -1) {
      throw new IllegalArgumentException("epoch must be >= -1, got " + epoch);
    }
  }
}
