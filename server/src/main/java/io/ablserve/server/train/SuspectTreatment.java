package io.ablserve.server.train;

/**
 * What ABL does with the suspects after the turn: the target label's samples the backdoor check could not
 * clear but did not confirm (their loss or pixels look like the confirmed cluster's). Most of them are clean
 * images of the target class: at 20% poison on bags (held out) the check left 537 out, at most 15 of them
 * poisons, and with them dropped that class ended 19 points below plain training (bench/RESULTS.md).
 */
public enum SuspectTreatment {
  /** They leave training for good. */
  DROP,
  /**
   * The default. They train without their labels (the semi-supervised treatment of DBD, ICLR 2022, and ASD,
   * CVPR 2023), under GGA (the official split's fine-tuning drops them): from the second unlearning
   * epoch, when one epoch of ascent has taken the trigger's hold off the model, each epoch the model labels
   * them itself, and those it classifies with confidence of at least {@link
   * #PSEUDO_LABEL_CONFIDENCE} train under that label beside D_c. A clean image among them still teaches its
   * class; a poison is labelled by its content, or sits out while the model is unsure of it. On the tuning
   * half it cost no clean accuracy beyond noise and no ASR, and gave the target class back 1.7 points on
   * average (bench/RESULTS.md, "suspects without their labels").
   */
  PSEUDO_LABEL;

  /** The least softmax probability at which a suspect trains under the model's label (FixMatch's 0.95). */
  public static final double PSEUDO_LABEL_CONFIDENCE = 0.95;
}
