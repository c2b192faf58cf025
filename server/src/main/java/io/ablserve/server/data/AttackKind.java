package io.ablserve.server.data;

/** The backdoor attacks the poisoner can apply. */
public enum AttackKind {
  /** No poisoning: a clean baseline. */
  NONE,
  /** A white square patch in the bottom-right corner, label flipped to the target (Gu et al. 2017). */
  BADNETS
}
