package io.ablserve.server.model;

import java.util.List;

/**
 * The names of the activations a network of {@link Models} exposes, its taps: each is the output of one of
 * its top-level blocks, stable across versions, so that a defence asks for a layer by what it is rather than
 * by the block's position. {@link TappedNetwork#activations} computes them. Shallowest first, per {@link
 * ModelArch}:
 *
 * <ul>
 *   <li>{@link ModelArch#SMALL_CNN}: {@code conv1} and {@code conv2}, each conv block's output after its
 *       2x2 max pool (32 x H/2 x W/2 and 64 x H/4 x W/4), then {@code last_conv_stage}, {@code penultimate}
 *       (the 128 ReLU outputs of the first dense layer) and {@code logits}.
 *   <li>{@link ModelArch#WRN_16_1}: {@code stem} (the first 3x3 convolution, 16 x H x W), {@code group1},
 *       {@code group2}, {@code group3} (each group's last residual block, before the final BN-ReLU: 16 x H x
 *       W, 32 x H/2 x W/2, 64 x H/4 x W/4), then {@code last_conv_stage} (after the final BN-ReLU), {@code
 *       penultimate} (64, pooled) and {@code logits}.
 *   <li>{@link ModelArch#RESNET_18}, {@link ModelArch#RESNET_34}: {@code stem} (conv-BN-ReLU, 64 x H x
 *       W), {@code stage1} to {@code stage4} (each stage's last block after its ReLU: 64 x H x W, 128 x H/2 x
 *       W/2, 256 x H/4 x W/4, 512 x H/8 x W/8), then {@code last_conv_stage}, {@code penultimate} (512,
 *       pooled) and {@code logits}.
 * </ul>
 *
 * <p>Every network has {@link #LAST_CONV_STAGE}, {@link #PENULTIMATE} and {@link #LOGITS}; the taps up to
 * {@code last_conv_stage} are NCHW ({@link #convolutional}), the last two (N, features).
 */
public final class Taps {
  /** The {@link ChannelMask}'s output: the last convolutional stage, with any pruned channel zeroed. */
  public static final String LAST_CONV_STAGE = ChannelMask.LAST_CONV_STAGE;
  /** The classifier's input, flattened: what the spectral signal and other feature-space defences read. */
  public static final String PENULTIMATE = "penultimate";
  /** The network's output, one score per class. */
  public static final String LOGITS = "logits";
  /** The residual networks' first convolution (ResNet's with its BN-ReLU). */
  static final String STEM = "stem";

  private Taps() {}

  /** The taps of {@code arch}, shallowest first. */
  public static List<String> of(ModelArch arch) {
    return network(arch).taps();
  }

  /**
   * The NCHW taps of {@code arch}, shallowest first, up to and including {@link #LAST_CONV_STAGE}: those
   * with a spatial map, which attention distillation compares.
   */
  public static List<String> convolutional(ModelArch arch) {
    List<String> taps = of(arch);
    return taps.subList(0, taps.indexOf(LAST_CONV_STAGE) + 1);
  }

  /** An uninitialised network of {@code arch}: its taps do not depend on the input or class count. */
  private static TappedNetwork network(ModelArch arch) {
    return (TappedNetwork) Models.create(arch, 1, Models.MIN_SIDE_PX, Models.MIN_SIDE_PX, 2);
  }
}
