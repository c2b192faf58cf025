package io.ablserve.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SlotSpecTest {
  private static final SlotSpec CPU = new SlotSpec("cpu-0", "cpu", 1);
  private static final SlotSpec GPU_0 = new SlotSpec("gpu-0", "gpu:0", 0);
  private static final SlotSpec GPU_1_SHARED = new SlotSpec("gpu-1.1", "gpu:1", 0);

  @Test
  void request_normalisesCaseSpacesAndLeadingZeros() {
    assertThat(SlotSpec.request("")).isEmpty();
    assertThat(SlotSpec.request("  ")).isEmpty();
    assertThat(SlotSpec.request(" CPU ")).isEqualTo("cpu");
    assertThat(SlotSpec.request("Gpu")).isEqualTo("gpu");
    assertThat(SlotSpec.request("gpu:007")).isEqualTo("gpu:7");
  }

  @Test
  void request_refusesWhatNamesNoDevice() {
    for (String bad : new String[] {"tpu", "gpu:", "gpu:-1", "gpu:12345", "cpu:1", "gpu 0"}) {
      assertThatThrownBy(() -> SlotSpec.request(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("device must be empty (any slot), 'cpu', 'gpu' or 'gpu:N', got '" + bad + "'");
    }
  }

  @Test
  void serves_anySlotForNoRequest_cpuOrAnyGpuByKind_andAGpusSlotsByIndex() {
    assertThat(CPU.serves("")).isTrue();
    assertThat(GPU_0.serves("")).isTrue();

    assertThat(CPU.serves("cpu")).isTrue();
    assertThat(GPU_0.serves("cpu")).isFalse();

    assertThat(CPU.serves("gpu")).isFalse();
    assertThat(GPU_0.serves("gpu")).isTrue();
    assertThat(GPU_1_SHARED.serves("gpu")).isTrue();

    assertThat(GPU_0.serves("gpu:0")).isTrue();
    assertThat(GPU_0.serves("gpu:1")).isFalse();
    assertThat(GPU_1_SHARED.serves("gpu:1")).isTrue();
    assertThat(CPU.serves("gpu:0")).isFalse();
  }
}
