package io.ablserve.server.data;

import java.util.Random;

/**
 * A random transform of one training image, stored NCHW as unsigned bytes, done in place without allocating
 * so the trainer can call it per sample per batch. Implementations are bound to one image shape.
 */
public interface Augmentation {

  /** Transforms the image starting at {@code offset}, drawing its randomness from {@code rng}. */
  void apply(byte[] pixels, int offset, Random rng);
}
