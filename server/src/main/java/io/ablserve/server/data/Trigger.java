package io.ablserve.server.data;

/** Writes a backdoor trigger into one image stored NCHW inside a pixel array. */
public interface Trigger {

  /** Applies the trigger to the image starting at {@code offset}, shaped like {@code shape}'s images. */
  void apply(byte[] pixels, int offset, ImageSet shape);

  /**
   * The trigger of an attack config; NONE has none, and the dynamic attack's is trained while poisoning a
   * training set ({@link PoisonedSet#trigger}).
   */
  static Trigger of(AttackConfig attack) {
    return switch (attack.kind()) {
      case BADNETS -> new BadNetsTrigger(attack.patchSizePx(), attack.patchCorner(), attack.patchMarginPx());
      case BLEND -> new BlendTrigger(attack.blendAlpha(), attack.blendPattern(), attack.blendSeed());
      case TROJAN -> new TrojanTrigger();
      case SIG -> new SigTrigger(attack.sigAmplitude(), attack.sigFrequency());
      case WANET -> new WaNetTrigger(attack.wanetGridSize(), attack.wanetStrength());
      case CL -> attack.cl().allCorners()
          ? allCorners(attack.patchSizePx(), attack.patchMarginPx())
          : new BadNetsTrigger(attack.patchSizePx(), attack.patchCorner(), attack.patchMarginPx());
      case NONE -> throw new IllegalArgumentException("attack NONE has no trigger");
      case DYNAMIC -> throw new IllegalArgumentException(
          "attack DYNAMIC's trigger is the generators trained while poisoning a training set");
    };
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
