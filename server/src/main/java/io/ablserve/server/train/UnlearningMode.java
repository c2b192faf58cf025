package io.ablserve.server.train;

/** How ABL's second stage uses the isolated set D_b and the kept set D_c. */
public enum UnlearningMode {
  /** The paper's GGA: each step descends CE on a D_c batch and ascends CE on D_b samples. */
  GGA,
  /** The official code: fine-tune on D_c, then the last epochs ascend CE on D_b only. */
  FINETUNE_THEN_ASCENT
}
