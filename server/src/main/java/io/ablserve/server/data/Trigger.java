package io.ablserve.server.data;

/** Writes a backdoor trigger into one image stored NCHW inside a pixel array. */
public interface Trigger {

  /** Applies the trigger to the image starting at {@code offset}, shaped like {@code shape}'s images. */
  void apply(byte[] pixels, int offset, ImageSet shape);

  /**
   * Triggers the images {@code images} of {@code from}, whose bytes {@code out} holds at the offsets {@code
   * at}: each in place, by default; a trigger generated from the image ({@link DynamicTrigger}) reads it
   * from {@code from}.
   */
  default void apply(ImageSet from, int[] images, byte[] out, int[] at) {
    for (int offset : at) {
      apply(out, offset, from);
    }
  }

  /**
   * The trigger of an attack config as the server's own attack of its kind makes it ({@link
   * Attack#trigger}); NONE has none, and the dynamic attack's is trained while poisoning a training set
   * ({@link PoisonedSet#trigger}).
   */
  static Trigger of(AttackConfig attack) {
    return attack.kind().standardAttack().trigger(attack);
  }

  /** The BadNets patch in each of the four corners, as the label-consistent attack stamps it. */
  static Trigger allCorners(int size, int margin) {
    Trigger[] patches = new Trigger[PatchCorner.values().length];
    for (PatchCorner corner : PatchCorner.values()) {
      patches[corner.ordinal()] = new BadNetsTrigger(size, corner, margin);
    }
    return (pixels, offset, shape) -> {
      for (Trigger patch : patches) {
        patch.apply(pixels, offset, shape);
      }
    };
  }
}
