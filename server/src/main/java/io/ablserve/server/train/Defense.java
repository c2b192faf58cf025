package io.ablserve.server.train;

/** What a run does with the possibly poisoned data. */
public enum Defense {
  /** Anti-Backdoor Learning: isolation, then unlearning. */
  ABL,
  /** Plain cross-entropy training for every epoch: the undefended baseline. */
  NONE
}
