package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

/**
 * {@link AblDefense}'s part of a checkpoint ({@link DefenseState}): the sets the isolation split the
 * training set into and the loss curve a ranking may read. Each is an entry of its own under the name
 * checkpoints have always given its file ({@code isolated.bin}, ...), so a checkpoint saved before the
 * defences kept their own state resumes into the same sets.
 *
 * @param isolated the isolated set D_b, sorted; empty when no backdoor was confirmed. Before the ranking, the
 *     core of a backdoor confirmed early and followed until the turn (empty if none)
 * @param kept the kept set D_c after suspect filtering, sorted; empty before the ranking
 * @param suspects before the ranking, the suspects of a backdoor confirmed early, who leave training at the
 *     turn with those the ranking adds (sorted); empty otherwise
 * @param lossSums when the ranking reads the loss curve ({@link SignalScorer#needsTrainingLosses}), each
 *     sample's summed training loss over the isolation epochs so far ({@link IsolationSignals#addLosses});
 *     empty otherwise and once the ranking has read it
 */
public record AblState(int[] isolated, int[] kept, int[] suspects, byte[] lossSums) {
  private static final String ISOLATED = "isolated";
  private static final String KEPT = "kept";
  private static final String SUSPECTS = "suspects";
  /** Named for the generic slot the loss sums shared with NAD's network before each defence kept its own. */
  private static final String LOSS_SUMS = "aside";

  public AblState {
    requireNonNull(isolated, "isolated");
    requireNonNull(kept, "kept");
    requireNonNull(suspects, "suspects");
    requireNonNull(lossSums, "lossSums");
  }

  /** ABL's sets as {@code state} keeps them; empty ones for a state without them (another defence's). */
  public static AblState of(DefenseState state) {
    return new AblState(state.ints(ISOLATED), state.ints(KEPT), state.ints(SUSPECTS), state.bytes(LOSS_SUMS));
  }

  /** These sets as a checkpoint keeps them. */
  public DefenseState encode() {
    return DefenseState.EMPTY
        .withInts(ISOLATED, isolated)
        .withInts(KEPT, kept)
        .withInts(SUSPECTS, suspects)
        .with(LOSS_SUMS, lossSums);
  }

  /** True once the ranking is done: its sets are restored, not computed again. */
  public boolean ranked() {
    return kept.length > 0;
  }

  /** These sets with the loss curve {@code sums}. */
  AblState withLossSums(byte[] sums) {
    return new AblState(isolated, kept, suspects, sums);
  }

  /** These sets with the kept set {@code kept}, after suspects left it. */
  AblState withKept(int[] kept) {
    return new AblState(isolated, kept, suspects, lossSums);
  }

  /** These sets following the core and suspects of a backdoor confirmed early, until the turn. */
  AblState tracking(BackdoorCheck.Decision early) {
    return new AblState(early.ascended(), kept, early.suspects(), lossSums);
  }

  /** The ranking's sets, D_b and D_c; the suspects, out of both, are left out of either. */
  AblState ranked(int[] isolated, int[] kept) {
    return new AblState(isolated, kept, new int[0], lossSums);
  }
}
