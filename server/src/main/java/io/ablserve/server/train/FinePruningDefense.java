package io.ablserve.server.train;

import io.ablserve.server.model.ChannelMask;
import java.util.logging.Logger;

/**
 * {@link Defense#FP}, fine-pruning (Liu et al., RAID 2018): plain training for the session's epochs, then
 * the channels of the last convolutional stage least active on the trusted clean subset are pruned (masked
 * to zero, {@link ChannelMask}) one by one in increasing order of mean activation, for as long as the
 * subset's accuracy stays within {@code fine_pruning.max_accuracy_drop} of the unpruned model's and at most
 * {@code fine_pruning.max_prune_ratio} of them; then the pruned model is fine-tuned as {@link
 * FineTuningDefense} does. Backdoor neurons tend to lie dormant on clean inputs, so pruning the dormant ones
 * removes the backdoor first, and fine-tuning repairs what is left.
 *
 * <p>The pruned channels are part of the run's checkpoint (its {@link DefenseState} entry {@code pruned}),
 * and once the run ends they are folded into the classifier (the weights reading them zeroed), so the saved
 * and exported model computes what the masked one does.
 */
public final class FinePruningDefense implements DefenseStrategy {
  private static final Logger logger = Logger.getLogger(FinePruningDefense.class.getName());
  /** The channels masked, ascending, as {@link DefenseState#withInts} writes a set. */
  private static final String PRUNED = "pruned";

  @Override
  public TrainingOutcome train(TrainingRun run) {
    PlainTraining.trainPlainly(run);
    Progress progress = run.progress();
    Pruning pruning = new Pruning(run.evaluator());
    int[] pruned;
    if (run.nextEpoch() == run.config().epochs()) {
      // Not yet pruned, or pruned but stopped before the first fine-tuning epoch ended: the checkpoint holds
      // the trained model, from which the pruning is computed again, to the same channels.
      FineTuning ft = run.fineTuning();
      Pruning.Result result = pruning.prune(run.clean(), ft.maxAccuracyDrop(), ft.maxPruneRatio());
      pruned = result.pruned();
      progress.defenseState(DefenseState.EMPTY.withInts(PRUNED, pruned));
      logger.info(
          "pruned " + result.pruned().length + " of " + result.meanActivation().length
              + " channels of the last conv stage; clean subset accuracy " + result.accuracyBefore() + " -> "
              + result.accuracyAfter());
    } else {
      pruned = pruned(progress.defenseState());
      pruning.mask().prune(pruned);
    }
    FineTuningDefense.fineTune(run);
    pruning.fold();
    return run.outcome().withPrunedChannels(pruned.length);
  }

  /** The channels a run masked, ascending, as its checkpoint {@code state} keeps them; none before pruning. */
  static int[] pruned(DefenseState state) {
    return state.ints(PRUNED);
  }

  @Override
  public int totalEpochs(AblConfig config, FineTuning fineTuning) {
    return config.epochs() + fineTuning.epochs();
  }
}
