package io.ablserve.server.train;

/** What a run does with the possibly poisoned data. */
public enum Defense {
  /** Anti-Backdoor Learning: isolation, then unlearning. */
  ABL,
  /** Plain cross-entropy training for every epoch: the undefended baseline. */
  NONE,
  /** Fine-tuning: plain training, then fine-tuning on the trusted clean subset. */
  FT,
  /** Fine-pruning (Liu et al. 2018): plain training, pruning the last conv stage, then fine-tuning. */
  FP,
  /**
   * Neural attention distillation (Li et al. 2021): plain training, a teacher fine-tuned on the trusted clean
   * subset, then the student fine-tuned there while matching the teacher's attention maps.
   */
  NAD,
  /**
   * Mode connectivity repair (Zhao et al. 2020): plain training, two endpoints fine-tuned on the trusted clean
   * subset, a Bezier curve between them trained there, and the model set to a point on it.
   */
  MCR;

  /** Whether the defence fine-tunes on the session's trusted clean subset ({@code clean_data}). */
  public boolean usesCleanData() {
    return this == FT || this == FP || this == NAD || this == MCR;
  }
}
