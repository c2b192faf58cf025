package io.ablserve.server.k8s;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A control plane that cannot watch its Jobs refuses to start, saying why, rather than hang or run blind. */
class UnreachableApiServerTest {

  @Test
  void launcher_refusesToStart_whenTheApiServerDoesNotAnswer() {
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:1").withNamespace("lab")
                .withRequestRetryBackoffLimit(0).build())
            .build()) {
      assertThatThrownBy(() -> new KubernetesJobs(
              client, KubernetesJobsTest.config("/opt/ablserve/ablserve-server.jar"), Path.of("/data"),
              List.of()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("cannot list and watch Jobs in Kubernetes namespace lab");
    }
  }
}
