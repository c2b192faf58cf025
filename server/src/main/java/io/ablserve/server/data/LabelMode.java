package io.ablserve.server.data;

/**
 * Which label a poisoned sample is given. All-to-one sends every triggered image to the target class;
 * all-to-all sends an image of class {@code y} to {@code (y + 1) mod classes} (Gu et al. 2017's second
 * BadNets variant), so the backdoor must learn one remapping per class and no class is the target.
 */
public enum LabelMode {
  ALL_TO_ONE,
  ALL_TO_ALL;

  /** The label a triggered image of true class {@code label} carries. */
  public int poisonedLabel(int label, int target, int numClasses) {
    return this == ALL_TO_ONE ? target : (label + 1) % numClasses;
  }
}
