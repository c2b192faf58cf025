package io.ablserve.server.model;

/** The networks a session can train. */
public enum ModelArch {
  /** Two conv blocks and two dense layers, sized for 28x28 images. */
  SMALL_CNN
}
