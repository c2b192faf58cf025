package io.ablserve.server.worker;

import io.ablserve.server.config.SlotSpec;
import io.ablserve.server.config.WorkersConfig;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/** The JVM options and arguments of a worker, the same wherever it runs. */
public final class WorkerCommand {
  private WorkerCommand() {}

  /**
   * The JVM options of a worker on {@code slot}: this JVM's own options (offline DJL, stack size, heap),
   * less debugging agents and the thread counts the slot sets, then {@code extra}.
   */
  public static List<String> jvmOptions(SlotSpec slot, List<String> extra) {
    List<String> options = new ArrayList<>();
    for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      boolean agent =
          option.startsWith("-javaagent") || option.startsWith("-agentlib")
              || option.startsWith("-agentpath") || option.startsWith("-Xrunjdwp");
      boolean threads =
          slot.threads() > 0
              && (option.startsWith("-Dai.djl.pytorch.num_threads=")
                  || option.startsWith("-Dai.djl.pytorch.num_interop_threads="));
      if (!agent && !threads) {
        options.add(option);
      }
    }
    if (slot.threads() > 0) {
      options.add("-Dai.djl.pytorch.num_threads=" + slot.threads());
      options.add("-Dai.djl.pytorch.num_interop_threads=1");
    }
    options.addAll(extra);
    return options;
  }

  /**
   * The options a worker takes from its control plane's {@code workers} config, to pass as {@link
   * #jvmOptions}' {@code extra}: its channel's keepalive, then the configured extra options (which win).
   */
  public static List<String> configuredOptions(WorkersConfig workers) {
    List<String> options = new ArrayList<>(workers.keepalive().jvmOptions());
    options.addAll(workers.workerJvmOptions());
    return options;
  }

  /**
   * The main class and its arguments: {@code controlPlane} is the worker channel's port on loopback, or
   * {@code HOST:PORT} for a worker on another host.
   */
  public static List<String> mainArguments(String controlPlane, String sessionId) {
    return List.of(WorkerMain.class.getName(), controlPlane, sessionId);
  }
}
