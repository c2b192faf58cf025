package io.ablserve.server.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.convolutional.Conv2d;
import java.util.List;

/** Building pieces shared by the residual networks: the skip connection and bias-free convolutions. */
final class Residual {
  private Residual() {}

  /** A block computing {@code branch(x) + shortcut(x)}; the caller adds any activation after it. */
  static Block sum(Block branch, Block shortcut) {
    return new ParallelBlock(Residual::addOutputs, List.of(branch, shortcut));
  }

  private static NDList addOutputs(List<NDList> outputs) {
    return new NDList(outputs.get(0).singletonOrThrow().add(outputs.get(1).singletonOrThrow()));
  }

  /** 3x3 convolution, padding 1, no bias: every one is followed by batch norm in these networks. */
  static Block conv3x3(int filters, int stride) {
    return Conv2d.builder()
        .setKernelShape(new Shape(3, 3))
        .optStride(new Shape(stride, stride))
        .optPadding(new Shape(1, 1))
        .setFilters(filters)
        .optBias(false)
        .build();
  }

  /** 1x1 projection convolution, no bias, for shortcuts whose width or resolution changes. */
  static Block conv1x1(int filters, int stride) {
    return Conv2d.builder()
        .setKernelShape(new Shape(1, 1))
        .optStride(new Shape(stride, stride))
        .setFilters(filters)
        .optBias(false)
        .build();
  }
}
