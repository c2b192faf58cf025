package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import java.util.Locale;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns the API's device strings ({@code cpu}, {@code gpu}, {@code gpu:N}) into DJL devices. */
public final class DeviceResolver {
  private static final Pattern GPU = Pattern.compile("gpu(?::(\\d{1,4}))?");

  private final IntSupplier gpuCount;

  /**
   * @param gpuCount GPUs the engine sees; asked only when a GPU is requested, because asking loads the
   *     native engine.
   */
  public DeviceResolver(IntSupplier gpuCount) {
    this.gpuCount = requireNonNull(gpuCount, "gpuCount");
  }

  /** The device named by {@code spec}; IllegalArgumentException names the {@code device} field. */
  public Device resolve(String spec) {
    requireNonNull(spec, "spec");
    String name = spec.trim().toLowerCase(Locale.ROOT);
    if (name.equals("cpu")) {
      return Device.cpu();
    }
    Matcher gpu = GPU.matcher(name);
    if (!gpu.matches()) {
      throw new IllegalArgumentException(
          "device must be 'cpu', 'gpu' or 'gpu:N', got '" + spec + "'");
    }
    int index = gpu.group(1) == null ? 0 : Integer.parseInt(gpu.group(1));
    int count = gpuCount.getAsInt();
    if (count == 0) {
      throw new IllegalArgumentException(
          "device '" + spec + "' needs a GPU but the engine sees none; use 'cpu'");
    }
    if (index >= count) {
      throw new IllegalArgumentException(
          "device gpu index must be in [0, " + count + "), got " + index);
    }
    return Device.gpu(index);
  }

  /** The canonical API string of a device, as echoed in {@code SessionConfig.device}. */
  public static String apiName(Device device) {
    return device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu";
  }
}
