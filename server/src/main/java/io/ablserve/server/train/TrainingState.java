package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

/**
 * Everything a run needs to go on after epoch {@code epoch} as if it had never stopped. Shuffling and
 * augmentation are reseeded from (seed, epoch) at the start of every epoch, so no random state is kept.
 *
 * @param epoch the last finished epoch; the run continues with {@code epoch + 1}
 * @param phase the phase that epoch belonged to
 * @param isolated the isolated set D_b, sorted; empty when no backdoor was confirmed. Before the ranking, the
 *     core of a backdoor confirmed early and followed until the turn (empty if none)
 * @param kept the kept set D_c after suspect filtering, sorted; empty before the ranking
 * @param suspects before the ranking, the suspects of a backdoor confirmed early, who leave training at the
 *     turn with those the ranking adds (sorted); empty otherwise
 * @param step the global step counter after that epoch
 * @param isolationPrecision the ranking's precision; NaN before it
 * @param isolationRecall the ranking's recall; NaN before it
 * @param cleanAccuracy that epoch's clean accuracy; NaN for a checkpoint taken at the ranking
 * @param attackSuccessRate that epoch's attack success rate; NaN for a checkpoint taken at the ranking
 * @param classAccuracy that epoch's clean accuracy of each class, by label; empty at the ranking
 * @param verdict the backdoor check's verdict; {@link Verdict#NOT_TESTED} before the ranking or without it
 * @param parameters the model's parameters, DJL's {@code Block.saveParameters} format
 * @param optimizer the optimizer's momentum buffers ({@link MomentumSgd})
 * @param pruned the channels of the last conv stage a pruning defence masked ({@link
 *     io.ablserve.server.model.ChannelMask}), ascending; empty for the other defences and before pruning
 * @param aside what a defence keeps beside the model's parameters: for NAD a second copy of the network
 *     ({@link NetworkWeights#encode} format), its backdoored student while its teacher trains in the
 *     model's place, then its teacher while the student is distilled; for ABL ranking by a signal that
 *     reads the loss curve ({@link SignalScorer#needsTrainingLosses}), each sample's summed training
 *     loss over the isolation epochs so far ({@link IsolationSignals#addLosses}); empty otherwise
 */
public record TrainingState(
    int epoch,
    Phase phase,
    int[] isolated,
    int[] kept,
    int[] suspects,
    long step,
    double isolationPrecision,
    double isolationRecall,
    double cleanAccuracy,
    double attackSuccessRate,
    double[] classAccuracy,
    Verdict verdict,
    byte[] parameters,
    byte[] optimizer,
    int[] pruned,
    byte[] aside) {
  public TrainingState {
    requireNonNull(pruned, "pruned");
    requireNonNull(aside, "aside");
    requireNonNull(phase, "phase");
    requireNonNull(isolated, "isolated");
    requireNonNull(kept, "kept");
    requireNonNull(suspects, "suspects");
    requireNonNull(classAccuracy, "classAccuracy");
    requireNonNull(verdict, "verdict");
    requireNonNull(parameters, "parameters");
    requireNonNull(optimizer, "optimizer");
    if (epoch < -1) {
      throw new IllegalArgumentException("epoch must be >= -1, got " + epoch);
    }
  }

  /** A state with nothing set aside. */
  public TrainingState(
      int epoch, Phase phase, int[] isolated, int[] kept, int[] suspects, long step, double isolationPrecision,
      double isolationRecall, double cleanAccuracy, double attackSuccessRate, double[] classAccuracy,
      Verdict verdict, byte[] parameters, byte[] optimizer, int[] pruned) {
    this(
        epoch, phase, isolated, kept, suspects, step, isolationPrecision, isolationRecall, cleanAccuracy,
        attackSuccessRate, classAccuracy, verdict, parameters, optimizer, pruned, new byte[0]);
  }

  /** A state with nothing pruned or set aside. */
  public TrainingState(
      int epoch, Phase phase, int[] isolated, int[] kept, int[] suspects, long step, double isolationPrecision,
      double isolationRecall, double cleanAccuracy, double attackSuccessRate, double[] classAccuracy,
      Verdict verdict, byte[] parameters, byte[] optimizer) {
    this(
        epoch, phase, isolated, kept, suspects, step, isolationPrecision, isolationRecall, cleanAccuracy,
        attackSuccessRate, classAccuracy, verdict, parameters, optimizer, new int[0]);
  }

  /** True once the ranking is done: its sets are restored, not computed again. */
  public boolean ranked() {
    return kept.length > 0;
  }
}
