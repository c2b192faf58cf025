package io.ablserve.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ablserve.server.data.DatasetLimits;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerConfigTest {

  @Test
  void defaults_arePinned() {
    ServerConfig d = ServerConfig.DEFAULTS;

    assertThat(d.port()).isEqualTo(50051);
    assertThat(d.bindAddress()).isEqualTo("127.0.0.1");
    assertThat(d.dataDir()).isEqualTo(Path.of(System.getProperty("user.home"), ".ablserve"));
    assertThat(d.defaultDevice()).isEqualTo("cpu");
    assertThat(d.datasetRoots())
        .containsExactly(Map.entry("fashion-mnist", Path.of("/usr/share/datasets/fashion-mnist")));
    assertThat(d.maxQueuedSessions()).isEqualTo(100);
    assertThat(d.maxQueuedPerUser()).isEqualTo(4);
    assertThat(d.tokenFile()).isEmpty();
    assertThat(d.tlsCert()).isEmpty();
    assertThat(d.tlsKey()).isEmpty();
    assertThat(d.maxUploadBytes()).isEqualTo(2L * 1024 * 1024 * 1024);
    assertThat(d.metricsPort()).isEqualTo(-1);
    assertThat(d.metricsBindAddress()).isEqualTo("127.0.0.1");
    assertThat(d.resumeInterrupted()).isEqualTo(ResumeInterrupted.AUTO);
    assertThat(d.datasetLimits()).isEqualTo(DatasetLimits.DEFAULTS);
    DatasetLimits limits = DatasetLimits.DEFAULTS;
    assertThat(limits.maxDecodedBytes()).isEqualTo(2L * 1024 * 1024 * 1024);
    assertThat(limits.maxImageSidePx()).isEqualTo(4096);
    assertThat(limits.maxZipEntries()).isEqualTo(100_000);
    assertThat(limits.maxUnpackedBytes()).isEqualTo(4L * 1024 * 1024 * 1024);
    assertThat(d.minFreeBytes()).isEqualTo(512L * 1024 * 1024);
    assertThat(d.api().defaultPageSize()).isEqualTo(100);
    assertThat(d.api().maxPageSize()).isEqualTo(1000);
    assertThat(d.api().retainFinished()).isZero();
    assertThat(d.api().expiresFinished()).isFalse();
    assertThat(d.api().retentionSweepInterval()).isEqualTo(java.time.Duration.ofHours(1));
  }

  @Test
  void apiPolicy_refusesPageSizesOutOfOrderAndNegativeRetention() {
    assertThatThrownBy(() -> ApiPolicy.DEFAULTS.withPageSizes(0, 10))
        .hasMessageContaining("default page size must be in [1, 10]");
    assertThatThrownBy(() -> ApiPolicy.DEFAULTS.withPageSizes(11, 10))
        .hasMessageContaining("default page size");
    assertThatThrownBy(() -> ApiPolicy.DEFAULTS.withPageSizes(1, 0))
        .hasMessageContaining("max page size must be >= 1");
    assertThatThrownBy(
            () -> ApiPolicy.DEFAULTS.withRetention(java.time.Duration.ofDays(-1), java.time.Duration.ofHours(1)))
        .hasMessageContaining("retention must not be negative");
  }

  @Test
  void sixSettingConstructor_leavesTheRestAtDefaults() {
    ServerConfig d = ServerConfig.DEFAULTS;
    assertThat(new ServerConfig(d.port(), d.bindAddress(), d.dataDir(), d.defaultDevice(),
            d.datasetRoots(), d.maxQueuedSessions()))
        .isEqualTo(d);
  }

  @Test
  void rejectsHalfATlsPairAndBadLimits() {
    ServerConfig d = ServerConfig.DEFAULTS;
    assertThatThrownBy(() -> new ServerConfig(d.port(), d.bindAddress(), d.dataDir(), "cpu",
            d.datasetRoots(), 1, 1, d.tokenFile(), java.util.Optional.of(Path.of("c.pem")),
            java.util.Optional.empty(), 1, -1, "127.0.0.1", ResumeInterrupted.AUTO, DatasetLimits.DEFAULTS, 0, ServiceLimits.DEFAULTS,
            ApiPolicy.DEFAULTS))
        .hasMessageContaining("both a certificate and a key");
    assertThatThrownBy(() -> d.withMaxUploadBytes(0)).hasMessageContaining("max upload bytes");
    assertThatThrownBy(() -> d.withMetricsPort(-2)).hasMessageContaining("metrics port");
    assertThatThrownBy(() -> new DatasetLimits(0, 1, 1, 1)).hasMessageContaining("max decoded bytes");
    assertThatThrownBy(() -> new DatasetLimits(1, 0, 1, 1)).hasMessageContaining("max image side");
    assertThatThrownBy(() -> new DatasetLimits(1, 1, 0, 1)).hasMessageContaining("max zip entries");
    assertThatThrownBy(() -> new DatasetLimits(1, 1, 1, 0)).hasMessageContaining("max unpacked bytes");
    DatasetLimits low = new DatasetLimits(1, 1, 1, 1);
    assertThat(d.withDatasetLimits(low).withMaxUploadBytes(5).datasetLimits()).isEqualTo(low);
    assertThat(d.withMetricsPort(0).metricsPort()).isZero();
    assertThatThrownBy(() -> d.withMetricsBindAddress(" ")).hasMessageContaining("metrics bind address");
    assertThatThrownBy(() -> d.withMinFreeBytes(-1)).hasMessageContaining("min free bytes");
    assertThat(d.withMinFreeBytes(0).minFreeBytes()).isZero();
  }

  @Test
  void rejectsPortOutOfRange() {
    assertThatThrownBy(() -> withPort(65_536))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("port must be in [0, 65535]");
    assertThat(withPort(0).port()).isZero();
  }

  @Test
  void rejectsEmptyQueue() {
    ServerConfig d = ServerConfig.DEFAULTS;
    assertThatThrownBy(
            () -> new ServerConfig(d.port(), d.bindAddress(), d.dataDir(), "cpu", d.datasetRoots(), 0))
        .hasMessageContaining("max queued sessions must be >= 1");
  }

  @Test
  void rejectsAnEmptyPerUserQueue() {
    assertThatThrownBy(() -> ServerConfig.DEFAULTS.withMaxQueuedPerUser(0))
        .hasMessageContaining("max queued sessions per user must be >= 1, got 0");
  }

  @Test
  void perUserLimit_appliesOnlyWithATokenFile() {
    ServerConfig d = ServerConfig.DEFAULTS.withMaxQueuedPerUser(2);
    assertThat(d.queuedPerUserLimit()).isEmpty();
    assertThat(d.withTokenFile(Path.of("tokens")).queuedPerUserLimit()).hasValue(2);
  }

  @Test
  void eachCopy_changesOnlyItsSetting_andIsCheckedAsANewConfig() {
    ServerConfig d = ServerConfig.DEFAULTS.withTls(Path.of("cert.pem"), Path.of("key.pem"));
    ServerConfig changed = d.withMetricsPort(9464);

    assertThat(changed.metricsPort()).isEqualTo(9464);
    assertThat(changed.withMetricsPort(d.metricsPort())).isEqualTo(d);
    assertThat(d.tlsCert()).contains(Path.of("cert.pem"));
    assertThat(d.tlsKey()).contains(Path.of("key.pem"));
    assertThatThrownBy(() -> d.withTlsKey(java.util.Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.withPort(-1)).hasMessageContaining("port must be in [0, 65535]");
  }

  private static ServerConfig withPort(int port) {
    ServerConfig d = ServerConfig.DEFAULTS;
    return new ServerConfig(
        port, d.bindAddress(), d.dataDir(), d.defaultDevice(), d.datasetRoots(), d.maxQueuedSessions());
  }
}
