package io.ablserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ablserve.server.config.Isolation;
import io.ablserve.server.config.KubernetesConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainKubernetesFlagsTest {

  private static Main parse(String... args) {
    Main main = new Main();
    new CommandLine(main).parseArgs(args);
    return main;
  }

  @Test
  void kubernetes_withoutOptionsIsTheDefaults() {
    // Holds unless the test JVM runs with ABLSERVE_K8S_* variables set.
    assertThat(parse().kubernetes()).isEqualTo(KubernetesConfig.DEFAULTS);
  }

  @Test
  void kubernetes_takesItsFlags() {
    Main main =
        parse("--isolation", "kubernetes", "--slots", "gpu:0,gpu:1", "--k8s-image", "reg/ablserve:cuda",
            "--k8s-namespace", "lab", "--k8s-queue", "lab-gpus", "--k8s-claim", "lab-data",
            "--k8s-control-plane", "ablserve-workers.lab.svc", "--k8s-worker-port", "6000",
            "--k8s-gpus-per-slot", "2", "--k8s-cpus-per-slot", "8", "--k8s-memory-per-slot", "32Gi");
    assertThat(main.workers().isolation()).isEqualTo(Isolation.KUBERNETES);
    assertThat(main.workers().slots()).hasSize(2);
    KubernetesConfig k8s = main.kubernetes();
    assertThat(k8s.image()).isEqualTo("reg/ablserve:cuda");
    assertThat(k8s.namespace()).isEqualTo("lab");
    assertThat(k8s.localQueue()).isEqualTo("lab-gpus");
    assertThat(k8s.claim()).isEqualTo("lab-data");
    assertThat(k8s.controlPlaneHost()).isEqualTo("ablserve-workers.lab.svc");
    assertThat(k8s.workerPort()).isEqualTo(6000);
    assertThat(k8s.gpusPerSlot()).isEqualTo(2);
    assertThat(k8s.cpusPerSlot()).isEqualTo(8);
    assertThat(k8s.memoryPerSlot()).isEqualTo("32Gi");
  }

  @Test
  void kubernetes_refusesBadNamesAndNoImage() {
    assertThatThrownBy(() -> parse("--k8s-queue", "Lab_GPUs").kubernetes())
        .hasMessageContaining("--k8s-queue must be a Kubernetes name");
    assertThatThrownBy(() -> parse("--isolation", "kubernetes").kubernetes().requireImage())
        .hasMessageContaining("--k8s-image");
  }
}
