package io.ablserve.server.data;

/** Writes a backdoor trigger into one image stored NCHW inside a pixel array. */
public interface Trigger {

  /** Applies the trigger to the image starting at {@code offset}, shaped like {@code shape}'s images. */
  void apply(byte[] pixels, int offset, ImageSet shape);

  /** The trigger of an attack config; NONE has none. */
  static Trigger of(AttackConfig attack) {
    return switch (attack.kind()) {
      case BADNETS -> new BadNetsTrigger(attack.patchSizePx(), attack.patchCorner(), attack.patchMarginPx());
      case BLEND -> new BlendTrigger(attack.blendAlpha(), attack.blendPattern(), attack.blendSeed());
      case TROJAN -> new TrojanTrigger();
      case SIG -> new SigTrigger(attack.sigAmplitude(), attack.sigFrequency());
      case WANET -> new WaNetTrigger(attack.wanetGridSize(), attack.wanetStrength());
      case NONE -> throw new IllegalArgumentException("attack NONE has no trigger");
    };
  }
}
