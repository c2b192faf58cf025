package io.ablserve.server.data;

/** The backdoor attacks the poisoner can apply, all all-to-one. */
public enum AttackKind {
  /** No poisoning: a clean baseline. */
  NONE(false),
  /** A white square patch in the bottom-right corner, label flipped to the target (Gu et al. 2017). */
  BADNETS(false),
  /** A fixed noise image alpha-blended over the whole image, label flipped (Chen et al. 2017). */
  BLEND(false),
  /** A fixed watermark patch in the bottom-right corner, label flipped (Liu et al. 2018). */
  TROJAN(false),
  /**
   * A horizontal sinusoid added to target-class images only, labels kept: a clean-label attack (Barni et
   * al. 2019).
   */
  SIG(true),
  /**
   * A fixed smooth warp, label flipped, plus noisy-warp samples that keep their label (Nguyen & Tran
   * 2021).
   */
  WANET(false);

  private final boolean cleanLabel;

  AttackKind(boolean cleanLabel) {
    this.cleanLabel = cleanLabel;
  }

  /**
   * Whether the attack poisons samples of the target class without touching labels, instead of relabelling
   * samples of other classes.
   */
  public boolean cleanLabel() {
    return cleanLabel;
  }
}
