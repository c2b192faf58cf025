package io.ablserve.server.data;

import static java.util.Objects.requireNonNull;

/** An all-to-one attack: which trigger, which target class, what share of the training set. */
public record AttackConfig(AttackKind kind, int targetLabel, double poisonRate, int patchSizePx) {

  public static final AttackConfig DEFAULTS = new AttackConfig(AttackKind.BADNETS, 0, 0.1, 3);

  public AttackConfig {
    requireNonNull(kind, "kind");
    if (targetLabel < 0) {
      throw new IllegalArgumentException("attack.target_label must be >= 0, got " + targetLabel);
    }
    if (!(poisonRate > 0 && poisonRate < 1)) {
      throw new IllegalArgumentException("attack.poison_rate must be in (0, 1), got " + poisonRate);
    }
    if (patchSizePx < 1) {
      throw new IllegalArgumentException("attack.patch_size_px must be >= 1, got " + patchSizePx);
    }
  }
}
