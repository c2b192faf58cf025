package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AblConfigTest {
  static AblConfig withRatio(double ratio) {
    AblConfig d = AblConfig.DEFAULTS;
    return new AblConfig(
        d.epochs(), d.isolationEpochs(), ratio, d.isolationLoss(), d.lgaGamma(), d.floodingLevel(),
        d.lossReduction(), d.learningRate(), d.unlearningWeight(), d.batchSize(), d.momentum(),
        d.weightDecay(), d.stepReportInterval());
  }

  @Test
  void defaults_arePinned() {
    AblConfig d = AblConfig.DEFAULTS;
    assertThat(d.epochs()).isEqualTo(10);
    assertThat(d.isolationEpochs()).isEqualTo(5);
    assertThat(d.isolationRatio()).isEqualTo(0.01);
    assertThat(d.isolationLoss()).isEqualTo(IsolationLossKind.LGA);
    assertThat(d.lgaGamma()).isEqualTo(0.5);
    assertThat(d.floodingLevel()).isEqualTo(0.5);
    assertThat(d.lossReduction()).isEqualTo(LossReduction.PER_SAMPLE);
    assertThat(d.learningRate()).isEqualTo(0.01);
    assertThat(d.unlearningWeight()).isEqualTo(1.0);
    assertThat(d.batchSize()).isEqualTo(128);
    assertThat(d.momentum()).isEqualTo(0.9);
    assertThat(d.weightDecay()).isEqualTo(1e-4);
    assertThat(d.stepReportInterval()).isEqualTo(10);
    assertThat(d.unlearningEpochs()).isEqualTo(5);
  }

  @Test
  void rejectsIsolationRatioOutsideOpenUnitInterval_namingTheField() {
    assertThatThrownBy(() -> withRatio(0))
        .hasMessage("abl.isolation_ratio must be in (0, 1), got 0.0");
    assertThatThrownBy(() -> withRatio(1.5))
        .hasMessage("abl.isolation_ratio must be in (0, 1), got 1.5");
  }

  @Test
  void rejectsIsolationEpochsNotBeforeTheLastEpoch() {
    AblConfig d = AblConfig.DEFAULTS;
    assertThatThrownBy(
            () ->
                new AblConfig(
                    5, 5, 0.01, d.isolationLoss(), 0.5, 0.5, d.lossReduction(), 0.01, 1, 128, 0.9,
                    1e-4, 10))
        .hasMessage("abl.isolation_epochs must be in [1, epochs) = [1, 5), got 5");
  }
}
