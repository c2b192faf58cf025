package io.ablserve.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class KubernetesConfigTest {

  @Test
  void defaults_matchTheManifestsInDockerK8s() {
    KubernetesConfig d = KubernetesConfig.DEFAULTS;
    assertThat(d.namespace()).isEmpty(); // the pod's own
    assertThat(d.image()).isEmpty(); // required
    assertThat(d.localQueue()).isEqualTo("ablserve");
    assertThat(d.claim()).isEqualTo("ablserve-data");
    assertThat(d.controlPlaneHost()).isEqualTo("ablserve-workers");
    assertThat(d.workerPort()).isEqualTo(50052);
    assertThat(d.gpusPerSlot()).isEqualTo(1);
    assertThat(d.gpuResource()).isEqualTo("nvidia.com/gpu");
    assertThat(d.cpusPerSlot()).isEqualTo(4);
    assertThat(d.memoryPerSlot()).isEqualTo("16Gi");
    assertThat(d.ttlAfterFinished()).isEqualTo(Duration.ofHours(1));
    assertThat(d.startTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(d.workerClasspath()).isEqualTo("/opt/ablserve/ablserve-server.jar");
    assertThat(d.djlCacheDir()).isEqualTo("/opt/ablserve/djl");
  }
}
