package io.ablserve.server.data;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The backdoor attacks a session may ask for, each with the server's own {@link Attack}. The server's
 * {@code AttackModule} registers those, and a module of a test's may put another in place of any; code that
 * runs without an injector uses them directly ({@link #standardAttacks}).
 */
public enum AttackKind {
  /** No poisoning: a clean baseline. */
  NONE(false, NoAttack::new),
  /** A white square patch in the bottom-right corner, label flipped to the target (Gu et al. 2017). */
  BADNETS(false, BadNetsAttack::new),
  /** A fixed noise image alpha-blended over the whole image, label flipped (Chen et al. 2017). */
  BLEND(false, BlendAttack::new),
  /** A fixed watermark patch in the bottom-right corner, label flipped (Liu et al. 2018). */
  TROJAN(false, TrojanAttack::new),
  /**
   * A horizontal sinusoid added to target-class images only, labels kept: a clean-label attack (Barni et
   * al. 2019).
   */
  SIG(true, SigAttack::new),
  /**
   * A fixed smooth warp, label flipped, plus noisy-warp samples that keep their label (Nguyen & Tran
   * 2021).
   */
  WANET(false, WaNetAttack::new),
  /**
   * Label-consistent (Turner et al. 2019): target-class images made hard to classify by an adversarial
   * perturbation (PGD on a model trained on the clean data), then stamped with a patch, labels kept; a
   * clean-label attack whose test side is the patch alone.
   */
  CL(true, LabelConsistentAttack::new),
  /**
   * Input-aware dynamic (Nguyen & Tran 2020): each image gets its own trigger from a generator the server
   * trains with a classifier on the clean data at poisoning time, label flipped; cross-mode samples carry
   * another image's trigger and keep their label.
   */
  DYNAMIC(false, DynamicAttack::new);

  private final boolean cleanLabel;
  private final Supplier<Attack> standardAttack;

  AttackKind(boolean cleanLabel, Supplier<Attack> standardAttack) {
    this.cleanLabel = cleanLabel;
    this.standardAttack = standardAttack;
  }

  /** The server's own implementation of this attack. */
  public Attack standardAttack() {
    return standardAttack.get();
  }

  /** The server's own implementation of every attack, by kind: what {@code AttackModule} registers. */
  public static Map<AttackKind, Attack> standardAttacks() {
    Map<AttackKind, Attack> attacks = new EnumMap<>(AttackKind.class);
    for (AttackKind kind : values()) {
      attacks.put(kind, kind.standardAttack());
    }
    return attacks;
  }

  /**
   * Whether the attack poisons samples of the target class without touching labels, instead of relabelling
   * samples of other classes.
   */
  public boolean cleanLabel() {
    return cleanLabel;
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
