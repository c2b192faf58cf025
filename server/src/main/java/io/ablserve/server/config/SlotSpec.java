package io.ablserve.server.config;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.regex.Matcher;
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
  private static final Pattern REQUEST = Pattern.compile("|cpu|gpu(?::(\\d{1,4}))?");

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

  /**
   * {@code spec}, a session's device request, in the form {@link #serves} takes: empty (any slot), {@code
   * cpu}, {@code gpu} (any GPU) or {@code gpu:N} without leading zeros, whatever its case and spaces.
   * IllegalArgumentException names the {@code device} field.
   */
  public static String request(String spec) {
    String name = spec.trim().toLowerCase(Locale.ROOT);
    Matcher matcher = REQUEST.matcher(name);
    if (!matcher.matches()) {
      throw new IllegalArgumentException(
          "device must be empty (any slot), 'cpu', 'gpu' or 'gpu:N', got '" + spec + "'");
    }
    return matcher.group(1) == null ? name : "gpu:" + Integer.parseInt(matcher.group(1));
  }

  /**
   * True when a session whose device request is {@code request} (as {@link #request} gives it) may train
   * here: any slot for an empty one, a CPU slot for {@code cpu}, any GPU slot for {@code gpu}, and the
   * slots of GPU N for {@code gpu:N}.
   */
  public boolean serves(String request) {
    return switch (request) {
      case "" -> true;
      case "gpu" -> isGpu();
      default -> device.equals(request);
    };
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
