package io.ablserve.server.train;

/** The stage of ABL a training run is in. */
public enum Phase {
  /** Epochs t < T_te: training with the isolation loss. */
  ISOLATION,
  /** At T_te: every training sample ranked by its own loss, the lowest share isolated. */
  ISOLATED,
  /** Epochs t >= T_te: descent on the kept set, ascent on the isolated set. */
  UNLEARNING,
  /** Plain cross-entropy training of the undefended baseline ({@link Defense#NONE}). */
  TRAINING,
  /**
   * Fine-tuning on the trusted clean subset after plain training ({@link Defense#FT}, {@link Defense#FP});
   * under {@link Defense#NAD} the teacher's epochs, then the student's; under {@link Defense#MCR} the two
   * endpoints' epochs, then the curve's.
   */
  FINETUNING,
  /**
   * ABL after the backdoor check confirmed nothing ({@link AblConfig#retrainUnconfirmed}): plain training
   * afresh from the initial weights, {@code epochs} epochs numbered on from the turn.
   */
  RETRAINING
}
