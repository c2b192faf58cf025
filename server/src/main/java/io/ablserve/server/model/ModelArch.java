package io.ablserve.server.model;

/** The networks a session can train; {@link Taps} names the activations each exposes. */
public enum ModelArch {
  /** Two conv blocks and two dense layers, sized for 28x28 images. */
  SMALL_CNN,
  /** Wide ResNet, depth 16, widen factor 1: the ABL paper's CIFAR-10 network (0.175M parameters). */
  WRN_16_1,
  /** ResNet-18, CIFAR variant: 3x3 stem, no max pool (11.2M parameters). */
  RESNET_18,
  /** ResNet-34, CIFAR variant: 3x3 stem, no max pool (21.3M parameters). */
  RESNET_34
}
