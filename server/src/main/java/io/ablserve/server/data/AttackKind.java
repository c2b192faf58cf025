package io.ablserve.server.data;

/** The backdoor attacks the poisoner can apply. */
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
  WANET(false),
  /**
   * Label-consistent (Turner et al. 2019): target-class images made hard to classify by an adversarial
   * perturbation (PGD on a model trained on the clean data), then stamped with a patch, labels kept; a
   * clean-label attack whose test side is the patch alone.
   */
  CL(true),
  /**
   * Input-aware dynamic (Nguyen & Tran 2020): each image gets its own trigger from a generator the server
   * trains with a classifier on the clean data at poisoning time, label flipped; cross-mode samples carry
   * another image's trigger and keep their label.
   */
  DYNAMIC(false);

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

  /**
   * Whether the trigger is fixed by the config alone ({@link Trigger#of}); the dynamic attack's is learned
   * while poisoning a training set ({@link PoisonedSet#trigger}).
   */
  public boolean fixedTrigger() {
    return this != DYNAMIC && this != NONE;
  }

  /**
   * Whether the attack can run all-to-all ({@link LabelMode#ALL_TO_ALL}): the patch and blend attacks, as
   * BadNets proposed it, and WaNet and Dynamic, whose papers report it too. A clean-label attack keeps every label, so
   * it has none to shift; NONE poisons nothing.
   */
  public boolean allowsAllToAll() {
    return this != NONE && !cleanLabel;
  }
}
