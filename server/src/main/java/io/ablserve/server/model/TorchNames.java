package io.ablserve.server.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The PyTorch names ({@code state_dict} keys) of a network's parameters, listed in the order DJL's {@code
 * Block.getParameters()} yields them. Each builder adds its layers in the order it adds the DJL blocks.
 */
final class TorchNames {
  private final List<String> names = new ArrayList<>();

  /** A convolution without bias, as every one in these networks is. */
  TorchNames conv(String module) {
    names.add(module + ".weight");
    return this;
  }

  /** BatchNorm2d: DJL's gamma, beta, running mean and running variance. */
  TorchNames batchNorm(String module) {
    names.add(module + ".weight");
    names.add(module + ".bias");
    names.add(module + ".running_mean");
    names.add(module + ".running_var");
    return this;
  }

  TorchNames linear(String module) {
    names.add(module + ".weight");
    names.add(module + ".bias");
    return this;
  }

  List<String> list() {
    return List.copyOf(names);
  }
}
