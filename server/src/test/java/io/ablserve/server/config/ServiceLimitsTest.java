package io.ablserve.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServiceLimitsTest {

  @Test
  void defaults_arePinned() {
    ServiceLimits d = ServiceLimits.DEFAULTS;

    assertThat(ServerConfig.DEFAULTS.limits()).isSameAs(d);
    assertThat(d.maxConcurrentEvaluations()).isEqualTo(2);
    assertThat(d.maxQueuedEvaluations()).isEqualTo(8);
    assertThat(d.maxConcurrentExports()).isEqualTo(4);
    assertThat(d.maxConcurrentUploads()).isEqualTo(2);
    assertThat(d.maxCallsPerConnection()).isEqualTo(100);
    assertThat(d.maxRstFramesPerWindow()).isEqualTo(200);
    assertThat(d.rstWindow()).isEqualTo(Duration.ofSeconds(10));
    assertThat(d.permitKeepAliveTime()).isEqualTo(Duration.ofSeconds(30));
    assertThat(d.permitKeepAliveWithoutCalls()).isFalse();
    assertThat(d.maxConnectionAge()).isEqualTo(Duration.ofHours(1));
    assertThat(d.maxConnectionAgeGrace()).isEqualTo(Duration.ZERO);
    assertThat(d.maxMessageBytes()).isEqualTo(4 * 1024 * 1024);
    assertThat(d.watchStallTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(d.uploadIdleTimeout()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void rejectsLimitsThatAdmitNothing() {
    ServiceLimits d = ServiceLimits.DEFAULTS;
    assertThatThrownBy(() -> d.withEvaluations(0, 8))
        .hasMessage("max concurrent evaluations must be >= 1, got 0");
    assertThatThrownBy(() -> d.withEvaluations(1, -1))
        .hasMessage("max queued evaluations must be >= 0, got -1");
    assertThatThrownBy(() -> d.withRstFrames(0, Duration.ofSeconds(10)))
        .hasMessageContaining("max RST frames per window must be >= 1");
    assertThatThrownBy(() -> d.withRstFrames(10, Duration.ofMillis(500)))
        .hasMessageContaining("RST window must be >= 1 s");
    assertThat(d.withEvaluations(1, 0).maxQueuedEvaluations()).isZero();
    assertThatThrownBy(() -> d.withWatchStallTimeout(Duration.ZERO))
        .hasMessageContaining("watch stall timeout must be > 0");
    assertThatThrownBy(() -> d.withUploadIdleTimeout(Duration.ZERO))
        .hasMessageContaining("upload idle timeout must be > 0");
  }

  @Test
  void inboundMessages_areNoLargerThanAnUploadCouldNeed() {
    assertThat(ServerConfig.DEFAULTS.maxInboundMessageBytes()).isEqualTo(4 << 20);
    assertThat(ServerConfig.DEFAULTS.withMaxUploadBytes(1000).maxInboundMessageBytes())
        .isEqualTo(1000 + ServiceLimits.MESSAGE_OVERHEAD_BYTES);
  }
}
