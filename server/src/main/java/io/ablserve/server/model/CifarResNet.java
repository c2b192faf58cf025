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
 * ResNet with basic blocks in its CIFAR form (3x3 stem, stride 1, no max pool), as in the ABL reference code
 * and kuangliu/pytorch-cifar, whose module names {@link #torchNames} gives. ResNet-18 has 11,173,962 and
 * ResNet-34 21,282,122 trainable parameters on 3x32x32 with 10 classes.
 */
final class CifarResNet {
  private static final int[] WIDTHS = {64, 128, 256, 512};
  private static final int[] STRIDES = {1, 2, 2, 2};
  private static final int[] RESNET_18_BLOCKS = {2, 2, 2, 2};
  private static final int[] RESNET_34_BLOCKS = {3, 4, 6, 3};

  private CifarResNet() {}

  /** ResNet-18: two basic blocks per stage. */
  static Block resNet18(int numClasses) {
    return create(ModelArch.RESNET_18, RESNET_18_BLOCKS, numClasses);
  }

  /** ResNet-34: 3, 4, 6 and 3 basic blocks per stage. */
  static Block resNet34(int numClasses) {
    return create(ModelArch.RESNET_34, RESNET_34_BLOCKS, numClasses);
  }

  /** ResNet-18's or ResNet-34's parameters as named in kuangliu/pytorch-cifar's {@code ResNet}. */
  static List<String> torchNames(boolean resNet34) {
    int[] blocksPerStage = resNet34 ? RESNET_34_BLOCKS : RESNET_18_BLOCKS;
    TorchNames names = new TorchNames().conv("conv1").batchNorm("bn1");
    int inWidth = 64;
    for (int stage = 0; stage < WIDTHS.length; stage++) {
      for (int i = 0; i < blocksPerStage[stage]; i++) {
        int stride = i == 0 ? STRIDES[stage] : 1;
        String block = "layer" + (stage + 1) + "." + i + ".";
        names.conv(block + "conv1").batchNorm(block + "bn1").conv(block + "conv2").batchNorm(block + "bn2");
        if (projects(inWidth, WIDTHS[stage], stride)) {
          names.conv(block + "shortcut.0").batchNorm(block + "shortcut.1");
        }
        inWidth = WIDTHS[stage];
      }
    }
    return names.linear("linear").list();
  }

  private static boolean projects(int inWidth, int outWidth, int stride) {
    return inWidth != outWidth || stride != 1;
  }

  /**
   * The stem, the four stages, a {@link ChannelMask} on the last stage's output, pooling and the classifier.
   * Its {@link Taps} are the stem, each stage's last block ({@code layer1} to {@code layer4} in the reference
   * code, named {@code stage1} to {@code stage4}), the mask, the pooled features and the logits.
   */
  private static Block create(ModelArch arch, int[] blocksPerStage, int numClasses) {
    TappedNetwork net = new TappedNetwork(arch)
        .add(Residual.conv3x3(64, 1))
        .add(BatchNorm.builder().build())
        .add(Activation.reluBlock()).tap(Taps.STEM);
    int inWidth = 64;
    for (int stage = 0; stage < WIDTHS.length; stage++) {
      for (int i = 0; i < blocksPerStage[stage]; i++) {
        int stride = i == 0 ? STRIDES[stage] : 1;
        net.add(basicBlock(inWidth, WIDTHS[stage], stride)).add(Activation.reluBlock());
        inWidth = WIDTHS[stage];
      }
      net.tap("stage" + (stage + 1));
    }
    return net.add(new ChannelMask()).tap(Taps.LAST_CONV_STAGE)
        .add(Pool.globalAvgPool2dBlock())
        .add(Blocks.batchFlattenBlock()).tap(Taps.PENULTIMATE)
        .add(Linear.builder().setUnits(numClasses).build()).tap(Taps.LOGITS);
  }

  /** conv3x3-BN-ReLU-conv3x3-BN plus identity, or a 1x1 conv + BN projection when the shape changes. */
  private static Block basicBlock(int inWidth, int outWidth, int stride) {
    Block branch = new SequentialBlock()
        .add(Residual.conv3x3(outWidth, stride))
        .add(BatchNorm.builder().build())
        .add(Activation.reluBlock())
        .add(Residual.conv3x3(outWidth, 1))
        .add(BatchNorm.builder().build());
    Block shortcut = projects(inWidth, outWidth, stride)
        ? new SequentialBlock().add(Residual.conv1x1(outWidth, stride)).add(BatchNorm.builder().build())
        : Blocks.identityBlock();
    return Residual.sum(branch, shortcut);
  }
}
