package io.ablserve.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkersConfigTest {

  @Test
  void defaults_areInlineOnOneSlot_asBeforeSlots() {
    WorkersConfig d = WorkersConfig.DEFAULTS;
    assertThat(d.isolation()).isEqualTo(Isolation.INLINE);
    assertThat(d.slots()).isEmpty();
    assertThat(d.heartbeatTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(d.startTimeout()).isEqualTo(Duration.ofSeconds(120));
    assertThat(d.maxCrashResumes()).isEqualTo(3);
    assertThat(d.keepalive())
        .isEqualTo(new WorkerKeepalive(Duration.ofSeconds(10), Duration.ofSeconds(10)));
    assertThat(d.resolveSlots(4, "cpu")).containsExactly(new SlotSpec("cpu-0", "cpu", 0));
    assertThat(d.resolveSlots(0, "gpu:1")).containsExactly(new SlotSpec("gpu-1", "gpu:1", 0));
  }

  @Test
  void processDefaults_areOneSlotPerGpu_elseOneCpuSlotWithAllCores() {
    WorkersConfig process =
        new WorkersConfig(Isolation.PROCESS, List.of(), Duration.ofSeconds(30), Duration.ofSeconds(120),
            List.of(), 3);
    assertThat(process.resolveSlots(2, "cpu"))
        .containsExactly(new SlotSpec("gpu-0", "gpu:0", 0), new SlotSpec("gpu-1", "gpu:1", 0));
    assertThat(process.resolveSlots(0, "cpu")).containsExactly(new SlotSpec("cpu-0", "cpu", 0));
  }

  @Test
  void parseSlots_namesCpuSlotsInOrderAndGpuSlotsByIndex() {
    assertThat(WorkersConfig.parseSlots("cpu:1, cpu:1,gpu:3,cpu"))
        .containsExactly(
            new SlotSpec("cpu-0", "cpu", 1), new SlotSpec("cpu-1", "cpu", 1),
            new SlotSpec("gpu-3", "gpu:3", 0), new SlotSpec("cpu-2", "cpu", 0));
  }

  @Test
  void parseSlots_rejectsWhatItCannotRead() {
    for (String bad : List.of("cpu:0", "tpu", "gpu", "cpu:x", "")) {
      assertThatThrownBy(() -> WorkersConfig.parseSlots(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--slots entries must be cpu, cpu:THREADS (>= 1), gpu:INDEX or gpu:INDEX*SLOTS");
    }
  }

  @Test
  void inline_refusesMoreThanOneSlot() {
    assertThatThrownBy(
            () -> new WorkersConfig(Isolation.INLINE, WorkersConfig.parseSlots("cpu:1,cpu:1"),
                Duration.ofSeconds(30), Duration.ofSeconds(120), List.of(), 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--isolation process");
  }

  @Test
  void slots_mayNotNameOneGpuTwice_butMayShareItOnPurpose() {
    assertThatThrownBy(
            () -> new WorkersConfig(Isolation.PROCESS, WorkersConfig.parseSlots("gpu:0,gpu:0"),
                Duration.ofSeconds(30), Duration.ofSeconds(120), List.of(), 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("twice; to train several sessions on it at once, say gpu:0*2");

    List<SlotSpec> shared = WorkersConfig.parseSlots("gpu:0*3,gpu:1");
    new WorkersConfig(Isolation.PROCESS, shared, Duration.ofSeconds(30), Duration.ofSeconds(120), List.of(), 3);
    assertThat(shared).extracting(SlotSpec::name).containsExactly("gpu-0", "gpu-0.1", "gpu-0.2", "gpu-1");
    assertThat(shared).extracting(SlotSpec::device).containsExactly("gpu:0", "gpu:0", "gpu:0", "gpu:1");
    assertThat(shared).extracting(SlotSpec::gpuIndex).containsExactly(0, 0, 0, 1);
    for (String bad : new String[] {"gpu:0*0", "gpu:0*", "gpu:0*2*2", "gpu:-1", "gpu:*2"}) {
      assertThatThrownBy(() -> WorkersConfig.parseSlots(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("gpu:INDEX*SLOTS");
    }
  }

  @Test
  void keepalive_rejectsWhatGrpcWouldQuietlyRaise_orATimeoutUnderASecond() {
    assertThatThrownBy(() -> new WorkerKeepalive(Duration.ofSeconds(9), Duration.ofSeconds(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--worker-keepalive-seconds must be >= 10");
    assertThatThrownBy(() -> new WorkerKeepalive(Duration.ofSeconds(10), Duration.ofMillis(500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--worker-keepalive-timeout-seconds must be >= 1");
  }

  @Test
  void keepalive_reachesTheWorkerAsSystemProperties() {
    WorkerKeepalive keepalive = new WorkerKeepalive(Duration.ofSeconds(20), Duration.ofSeconds(3));
    assertThat(keepalive.jvmOptions())
        .containsExactly(
            "-D" + WorkerKeepalive.TIME_PROPERTY + "=20000",
            "-D" + WorkerKeepalive.TIMEOUT_PROPERTY + "=3000");
    // The worker's JVM has them as system properties; none set means the defaults.
    assertThat(System.getProperty(WorkerKeepalive.TIME_PROPERTY)).isNull();
    assertThat(WorkerKeepalive.fromSystemProperties()).isEqualTo(WorkerKeepalive.DEFAULTS);
    try {
      System.setProperty(WorkerKeepalive.TIME_PROPERTY, "20000");
      System.setProperty(WorkerKeepalive.TIMEOUT_PROPERTY, "3000");
      assertThat(WorkerKeepalive.fromSystemProperties()).isEqualTo(keepalive);
    } finally {
      System.clearProperty(WorkerKeepalive.TIME_PROPERTY);
      System.clearProperty(WorkerKeepalive.TIMEOUT_PROPERTY);
    }
  }
}
