package io.ablserve.server.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Where sessions train: the device slots and how a session is isolated on one. Kept apart from {@link
 * ServerConfig}: only the session scheduler and the worker processes read it.
 *
 * @param isolation {@link Isolation#INLINE} (the default: in the server process, one slot), {@link
 *     Isolation#PROCESS} (a worker process per session, one per slot) or {@link Isolation#KUBERNETES} (a
 *     Kubernetes Job per session, one per slot, configured by {@link KubernetesConfig})
 * @param slots the slots, in order; empty (the default) means one slot per GPU the engine sees, else one
 *     CPU slot with all cores, and with {@code INLINE} one slot on the server's default device
 * @param heartbeatTimeout a worker silent this long is killed, and its session handled as a crash: INTERRUPTED,
 *     then resumed from its checkpoint per {@code --resume-interrupted}. Default 30 s
 * @param startTimeout a worker that has not said hello this long after it was started fails its session.
 *     Default 120 s (a JVM and the native engine load in seconds; datasets load after hello)
 * @param workerJvmOptions extra options for every worker JVM, after the ones inherited from the server
 * @param maxCrashResumes times one session is resumed after its worker died before it stays INTERRUPTED
 *     (a session that kills every worker it gets would otherwise loop for ever). Default 3
 * @param keepalive how workers notice a control plane gone silent, and the pings it permits them. Default
 *     {@link WorkerKeepalive#DEFAULTS}: a ping after 10 s without a word, 10 s for its answer
 */
public record WorkersConfig(
    Isolation isolation,
    List<SlotSpec> slots,
    Duration heartbeatTimeout,
    Duration startTimeout,
    List<String> workerJvmOptions,
    int maxCrashResumes,
    WorkerKeepalive keepalive) {

  /** Today's behaviour: training in the server process, on one slot. */
  public static final WorkersConfig DEFAULTS =
      new WorkersConfig(
          Isolation.INLINE, List.of(), Duration.ofSeconds(30), Duration.ofSeconds(120), List.of(), 3,
          WorkerKeepalive.DEFAULTS);

  /** With the default keepalive. */
  public WorkersConfig(
      Isolation isolation,
      List<SlotSpec> slots,
      Duration heartbeatTimeout,
      Duration startTimeout,
      List<String> workerJvmOptions,
      int maxCrashResumes) {
    this(isolation, slots, heartbeatTimeout, startTimeout, workerJvmOptions, maxCrashResumes,
        WorkerKeepalive.DEFAULTS);
  }

  public WorkersConfig {
    requireNonNull(isolation, "isolation");
    requireNonNull(keepalive, "keepalive");
    slots = List.copyOf(slots);
    requireNonNull(heartbeatTimeout, "heartbeatTimeout");
    requireNonNull(startTimeout, "startTimeout");
    workerJvmOptions = List.copyOf(workerJvmOptions);
    if (heartbeatTimeout.isNegative() || heartbeatTimeout.isZero()) {
      throw new IllegalArgumentException("--worker-heartbeat-seconds must be >= 1");
    }
    if (maxCrashResumes < 0) {
      throw new IllegalArgumentException("max crash resumes must be >= 0, got " + maxCrashResumes);
    }
    if (isolation == Isolation.INLINE && slots.size() > 1) {
      throw new IllegalArgumentException(
          "--isolation inline trains one session at a time in the server process (DJL's gradient"
              + " collector is process-global): --slots must name one slot, got " + slots.size()
              + "; use --isolation process or kubernetes for more");
    }
    Set<String> names = new HashSet<>();
    for (SlotSpec slot : slots) {
      if (!names.add(slot.name())) {
        String share =
            slot.isGpu() ? "; to train several sessions on it at once, say " + slot.device() + "*2" : "";
        throw new IllegalArgumentException("--slots names " + slot.device() + " twice" + share);
      }
    }
  }

  /**
   * Parses {@code --slots}: comma-separated {@code cpu} (all cores), {@code cpu:T} (T intra-op threads),
   * {@code gpu:N} (GPU N) and {@code gpu:N*K} (K slots sharing GPU N, named gpu-N, gpu-N.1, ...) entries,
   * e.g. {@code cpu:1,cpu:1}, {@code gpu:0,gpu:1} or {@code gpu:0*2}. Sharing pays where a session keeps
   * its GPU idle: on an H200 the small models' ABL sessions spent most of their time in CPU work
   * (bench/RESULTS.md, "GPU").
   */
  public static List<SlotSpec> parseSlots(String text) {
    List<SlotSpec> slots = new ArrayList<>();
    int cpus = 0;
    for (String raw : text.split(",", -1)) {
      String entry = raw.trim().toLowerCase(Locale.ROOT);
      try {
        if (entry.equals("cpu")) {
          slots.add(new SlotSpec("cpu-" + cpus++, "cpu", 0));
        } else if (entry.startsWith("cpu:")) {
          int threads = Integer.parseInt(entry.substring(4));
          if (threads < 1) {
            throw new NumberFormatException();
          }
          slots.add(new SlotSpec("cpu-" + cpus++, "cpu", threads));
        } else if (entry.startsWith("gpu:")) {
          String[] shared = entry.substring(4).split("\\*", -1);
          int index = Integer.parseInt(shared[0]);
          int count = shared.length == 1 ? 1 : Integer.parseInt(shared[1]);
          if (index < 0 || count < 1 || shared.length > 2) {
            throw new NumberFormatException();
          }
          for (int k = 0; k < count; k++) {
            slots.add(new SlotSpec("gpu-" + index + (k == 0 ? "" : "." + k), "gpu:" + index, 0));
          }
        } else {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--slots entries must be cpu, cpu:THREADS (>= 1), gpu:INDEX or gpu:INDEX*SLOTS (>= 1),"
                + " comma-separated, got '"
                + raw.trim() + "'");
      }
    }
    return slots;
  }

  /**
   * The slots to run: the configured ones, or the defaults for {@code gpuCount} GPUs. {@code
   * defaultDevice} is the server's {@code --device}, the one slot of an inline server.
   */
  public List<SlotSpec> resolveSlots(int gpuCount, String defaultDevice) {
    if (!slots.isEmpty()) {
      return slots;
    }
    if (isolation == Isolation.INLINE) {
      String device = defaultDevice.trim().toLowerCase(Locale.ROOT);
      device = device.equals("gpu") ? "gpu:0" : device;
      return List.of(
          device.startsWith("gpu:")
              ? new SlotSpec("gpu-" + device.substring(4), device, 0)
              : new SlotSpec("cpu-0", "cpu", 0));
    }
    if (gpuCount == 0) {
      return List.of(new SlotSpec("cpu-0", "cpu", 0));
    }
    List<SlotSpec> gpus = new ArrayList<>();
    for (int i = 0; i < gpuCount; i++) {
      gpus.add(new SlotSpec("gpu-" + i, "gpu:" + i, 0));
    }
    return gpus;
  }
}
