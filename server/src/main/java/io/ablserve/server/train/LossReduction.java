package io.ablserve.server.train;

/** Where the isolation transform is applied: to each sample's loss, or to the batch mean. */
public enum LossReduction {
  /** The paper's equation (3). */
  PER_SAMPLE,
  /** The official code: the transform of the batch-mean loss. */
  BATCH_MEAN
}
