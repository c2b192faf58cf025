package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.model.ModelArch;

/**
 * What a trained network is and how to feed it: its architecture, input shape and class count, and the
 * per-channel mean and standard deviation (of pixels scaled to [0, 1]) it was trained to see normalised.
 */
public record NetworkSpec(
    ModelArch arch, int channels, int height, int width, int numClasses, float[] mean, float[] std) {
  public NetworkSpec {
    requireNonNull(arch, "arch");
    if (mean.length != channels || std.length != channels) {
      throw new IllegalArgumentException(
          "need one mean and one std per channel (" + channels + "), got " + mean.length + " and "
              + std.length);
    }
    mean = mean.clone();
    std = std.clone();
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }

  BatchLoader.ChannelStats stats() {
    return new BatchLoader.ChannelStats(mean, std);
  }
}
