package io.ablserve.server.config;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

/**
 * One device slot: a place where one session trains at a time.
 *
 * @param name how the API names it: {@code cpu-0}, {@code cpu-1}, ... in order, {@code gpu-N} for GPU N
 * @param device {@code cpu} or {@code gpu:N}
 * @param threads intra-op threads of a CPU slot, >= 1; 0 = the engine's default (all cores), and for GPUs
 */
public record SlotSpec(String name, String device, int threads) {
  private static final Pattern DEVICE = Pattern.compile("cpu|gpu:\\d{1,4}");

  public SlotSpec {
    requireNonNull(name, "name");
    requireNonNull(device, "device");
    if (!DEVICE.matcher(device).matches()) {
      throw new IllegalArgumentException("slot device must be cpu or gpu:N, got '" + device + "'");
    }
    if (threads < 0) {
      throw new IllegalArgumentException("slot threads must be >= 0, got " + threads);
    }
  }

  public boolean isGpu() {
    return device.startsWith("gpu");
  }

  /** The GPU index of a GPU slot. */
  public int gpuIndex() {
    if (!isGpu()) {
      throw new IllegalStateException(name + " is not a GPU slot");
    }
    return Integer.parseInt(device.substring("gpu:".length()));
  }
}
