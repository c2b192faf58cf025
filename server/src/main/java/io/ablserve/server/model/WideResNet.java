package io.ablserve.server.model;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.List;

/**
 * Wide residual network for CIFAR-sized images (Zagoruyko and Komodakis 2016), pre-activation basic blocks
 * without dropout, as in the ABL paper's reference code, whose module names {@link #torchNames} gives.
 * WRN-16-1 on 3x32x32 with 10 classes has 175,066 trainable parameters.
 */
final class WideResNet {
  /** Widths of the three groups before widening, and the stride of each group's first block. */
  private static final int[] WIDTHS = {16, 32, 64};
  private static final int[] STRIDES = {1, 2, 2};

  private WideResNet() {}

  /** WRN-depth-widen's parameters as named in the ABL reference code's {@code WideResNet} (wresnet.py). */
  static List<String> torchNames(int depth, int widen) {
    checkShape(depth, widen);
    int blocksPerGroup = (depth - 4) / 6;
    TorchNames names = new TorchNames().conv("conv1");
    int inWidth = 16;
    for (int group = 0; group < WIDTHS.length; group++) {
      for (int i = 0; i < blocksPerGroup; i++) {
        int stride = i == 0 ? STRIDES[group] : 1;
        String block = "block" + (group + 1) + ".layer." + i + ".";
        names.batchNorm(block + "bn1").conv(block + "conv1").batchNorm(block + "bn2").conv(block + "conv2");
        if (!sameShape(inWidth, WIDTHS[group] * widen, stride)) {
          names.conv(block + "convShortcut");
        }
        inWidth = WIDTHS[group] * widen;
      }
    }
    return names.batchNorm("bn1").linear("fc").list();
  }

  private static boolean sameShape(int inWidth, int outWidth, int stride) {
    return inWidth == outWidth && stride == 1;
  }

  private static void checkShape(int depth, int widen) {
    if ((depth - 4) % 6 != 0 || depth < 10 || widen < 1) {
      throw new IllegalArgumentException("WRN depth must be 6n + 4 with n >= 1 and widen >= 1, got "
          + depth + " and " + widen);
    }
  }

  /** WRN-16-1, the ABL paper's CIFAR-10 network. */
  static Block wrn16x1(int numClasses) {
    return create(ModelArch.WRN_16_1, 16, 1, numClasses);
  }

  /**
   * WRN-depth-widen as {@code arch}: a 3x3 stem and three groups of (depth - 4) / 6 blocks of widths 16, 32,
   * 64 x widen, the final BN-ReLU, then a {@link ChannelMask} before the pooled classifier. Its {@link Taps}
   * are the stem, each group's last block ({@code block1} to {@code block3} in the reference code, named
   * {@code group1} to {@code group3} for what they are), the mask, the pooled features and the logits.
   */
  static Block create(ModelArch arch, int depth, int widen, int numClasses) {
    checkShape(depth, widen);
    int blocksPerGroup = (depth - 4) / 6;
    TappedNetwork net = new TappedNetwork(arch).add(Residual.conv3x3(16, 1)).tap(Taps.STEM);
    int inWidth = 16;
    for (int group = 0; group < WIDTHS.length; group++) {
      for (int i = 0; i < blocksPerGroup; i++) {
        int stride = i == 0 ? STRIDES[group] : 1;
        net.add(block(inWidth, WIDTHS[group] * widen, stride));
        inWidth = WIDTHS[group] * widen;
      }
      net.tap("group" + (group + 1));
    }
    return net.add(BatchNorm.builder().build())
        .add(Activation.reluBlock())
        .add(new ChannelMask()).tap(Taps.LAST_CONV_STAGE)
        .add(Pool.globalAvgPool2dBlock())
        .add(Blocks.batchFlattenBlock()).tap(Taps.PENULTIMATE)
        .add(Linear.builder().setUnits(numClasses).build()).tap(Taps.LOGITS);
  }

  /**
   * BN-ReLU-conv3x3-BN-ReLU-conv3x3 plus a shortcut. When the shape changes, the 1x1 projection reads the
   * pre-activated input (the first BN-ReLU is shared), matching the reference implementation.
   */
  private static Block block(int inWidth, int outWidth, int stride) {
    boolean sameShape = sameShape(inWidth, outWidth, stride);
    SequentialBlock tail = new SequentialBlock()
        .add(Residual.conv3x3(outWidth, stride))
        .add(BatchNorm.builder().build())
        .add(Activation.reluBlock())
        .add(Residual.conv3x3(outWidth, 1));
    if (sameShape) {
      SequentialBlock branch = new SequentialBlock()
          .add(BatchNorm.builder().build())
          .add(Activation.reluBlock())
          .add(tail);
      return Residual.sum(branch, Blocks.identityBlock());
    }
    return new SequentialBlock()
        .add(BatchNorm.builder().build())
        .add(Activation.reluBlock())
        .add(Residual.sum(tail, Residual.conv1x1(outWidth, stride)));
  }
}
