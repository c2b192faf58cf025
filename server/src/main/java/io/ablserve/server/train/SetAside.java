package io.ablserve.server.train;

/**
 * The one thing a staged defence keeps for its next stage, its whole {@link DefenseState}: NAD's student or
 * teacher, MCR's backdoored model, first endpoint or curve. One entry, {@code aside}, the name checkpoints
 * have always given it, so a checkpoint saved before the defences kept their own state resumes alike.
 */
final class SetAside {
  private static final String ENTRY = "aside";

  private SetAside() {}

  /** What {@code state} set aside; empty before anything was. */
  static byte[] in(DefenseState state) {
    return state.bytes(ENTRY);
  }

  /** The state that sets {@code encoded} aside. */
  static DefenseState of(byte[] encoded) {
    return DefenseState.EMPTY.with(ENTRY, encoded);
  }
}
