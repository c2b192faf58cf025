package io.ablserve.server.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

class DeviceResolverTest {

  @Test
  void resolve_mapsApiNamesToDevices() {
    DeviceResolver twoGpus = new DeviceResolver(() -> 2);

    assertThat(twoGpus.resolve("cpu")).isEqualTo(Device.cpu());
    assertThat(twoGpus.resolve(" GPU ")).isEqualTo(Device.gpu(0));
    assertThat(twoGpus.resolve("gpu:1")).isEqualTo(Device.gpu(1));
    assertThat(DeviceResolver.apiName(Device.gpu(1))).isEqualTo("gpu:1");
  }

  @Test
  void resolve_cpuNeverAsksTheEngineForGpus() {
    DeviceResolver resolver =
        new DeviceResolver(() -> {
          throw new AssertionError("engine loaded for a CPU session");
        });

    assertThat(resolver.resolve("cpu")).isEqualTo(Device.cpu());
  }

  @Test
  void resolve_rejectsUnknownNames() {
    DeviceResolver resolver = new DeviceResolver(() -> 1);

    for (String bad : new String[] {"tpu", "gpu:", "gpu:-1", "cuda:0", ""}) {
      assertThatThrownBy(() -> resolver.resolve(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("device must be 'cpu', 'gpu' or 'gpu:N'");
    }
  }

  @Test
  void resolve_rejectsGpuWhenTheEngineHasNone() {
    assertThatThrownBy(() -> new DeviceResolver(() -> 0).resolve("gpu"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("device 'gpu' needs a GPU");
  }

  @Test
  void resolve_rejectsGpuIndexBeyondTheEngineCount() {
    assertThatThrownBy(() -> new DeviceResolver(() -> 2).resolve("gpu:2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("device gpu index must be in [0, 2), got 2");
  }
}
