package io.ablserve.server.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.List;

/** Builds the networks of {@link ModelArch}, uninitialised, for a given input shape and class count. */
public final class Models {
  /** The smallest image side the networks take: two 2x2 poolings leave a pixel. */
  public static final int MIN_SIDE_PX = 4;

  private Models() {}

  /** A fresh network for {@code channels x height x width} inputs; convolutions infer channels on initialise. */
  public static Block create(ModelArch arch, int channels, int height, int width, int numClasses) {
    if (channels < 1 || height < MIN_SIDE_PX || width < MIN_SIDE_PX || numClasses < 2) {
      throw new IllegalArgumentException(
          "model input must be >= 1x4x4 with >= 2 classes, got " + channels + "x" + height + "x" + width
              + " and " + numClasses + " classes");
    }
    return switch (arch) {
      case SMALL_CNN -> smallCnn(numClasses);
      case WRN_16_1 -> WideResNet.wrn16x1(numClasses);
      case RESNET_18 -> CifarResNet.resNet18(numClasses);
      case RESNET_34 -> CifarResNet.resNet34(numClasses);
    };
  }

  /**
   * The PyTorch names of {@code arch}'s parameters, in the order of the DJL block's {@code getParameters()}:
   * the module names of the reference PyTorch code each network follows.
   */
  public static List<String> torchNames(ModelArch arch) {
    return switch (arch) {
      case SMALL_CNN -> new TorchNames()
          .conv("conv1").batchNorm("bn1").conv("conv2").batchNorm("bn2").linear("fc1").linear("fc2").list();
      case WRN_16_1 -> WideResNet.torchNames(16, 1);
      case RESNET_18 -> CifarResNet.torchNames(false);
      case RESNET_34 -> CifarResNet.torchNames(true);
    };
  }

  /**
   * conv(32)-BN-ReLU-pool, conv(64)-BN-ReLU-pool, {@link ChannelMask}, dense(128)-ReLU, dense(classes), with
   * the {@link Taps} named after the PyTorch modules.
   */
  static Block smallCnn(int numClasses) {
    return new TappedNetwork(ModelArch.SMALL_CNN)
        .addAll(convBlock(32)).tap("conv1")
        .addAll(convBlock(64)).tap("conv2")
        .add(new ChannelMask()).tap(Taps.LAST_CONV_STAGE)
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(128).build())
        .add(Activation.reluBlock()).tap(Taps.PENULTIMATE)
        .add(Linear.builder().setUnits(numClasses).build()).tap(Taps.LOGITS);
  }

  private static Block[] convBlock(int filters) {
    return new Block[] {
      Conv2d.builder()
          .setKernelShape(new Shape(3, 3))
          .optPadding(new Shape(1, 1))
          .setFilters(filters)
          .optBias(false)
          .build(),
      BatchNorm.builder().build(),
      Activation.reluBlock(),
      Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2))
    };
  }
}
