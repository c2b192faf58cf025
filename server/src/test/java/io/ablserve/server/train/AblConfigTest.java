package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AblConfigTest {
  static AblConfig withRatio(double ratio) {
    return AblConfig.builder().isolationRatio(ratio).build();
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
    assertThat(d.lossReduction()).isEqualTo(LossReduction.BATCH_MEAN);
    assertThat(d.learningRate()).isEqualTo(0.01);
    assertThat(d.unlearningWeight()).isEqualTo(1.0);
    assertThat(d.batchSize()).isEqualTo(128);
    assertThat(d.momentum()).isEqualTo(0.9);
    assertThat(d.weightDecay()).isEqualTo(1e-4);
    assertThat(d.stepReportInterval()).isEqualTo(10);
    assertThat(d.unlearningEpochs()).isEqualTo(5);
    assertThat(d.defense()).isEqualTo(Defense.ABL);
    assertThat(d.unlearningMode()).isEqualTo(UnlearningMode.GGA);
    assertThat(d.unlearningLearningRate()).isEqualTo(0.01);
    assertThat(d.ascentEpochs()).isEqualTo(1);
    assertThat(d.ranking()).isEqualTo(Ranking.PER_CLASS);
    assertThat(d.suspectFiltering()).isFalse();
    assertThat(d.augmentation()).isTrue();
    assertThat(d.isolationExpansion()).isTrue();
    assertThat(d.isolateEarly()).isTrue();
    assertThat(d.finalDecayEpochs()).isEqualTo(2);
    assertThat(d.triggerProbe()).isTrue();
    assertThat(d.retrainUnconfirmed()).isTrue();
    assertThat(d.isolationSignal()).isEqualTo(IsolationSignal.LOSS);
    assertThat(d.suspectTreatment()).isEqualTo(SuspectTreatment.PSEUDO_LABEL);
    assertThat(AblConfig.defaultUnlearningLearningRate(UnlearningMode.GGA, 0.05)).isEqualTo(0.05);
    assertThat(AblConfig.defaultUnlearningLearningRate(UnlearningMode.FINETUNE_THEN_ASCENT, 0.05))
        .isEqualTo(5e-4);
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
    assertThatThrownBy(
            () -> AblConfig.builder().epochs(5).isolationEpochs(5).build())
        .hasMessage("abl.isolation_epochs must be in [1, epochs) = [1, 5), got 5");
  }

  @Test
  void isolationAndAscentEpochs_bindOnlyAbl_anotherDefencesEpochsNeedNotLeaveRoom() {
    AblConfig fineTuned = AblConfig.builder().defense(Defense.FT).epochs(3).build(); // isolation 5 unset

    assertThat(fineTuned.epochs()).isEqualTo(3);
    assertThatThrownBy(() -> AblConfig.builder().defense(Defense.NONE).epochs(3).isolationEpochs(0).build())
        .hasMessage("abl.isolation_epochs must be in [1, epochs) = [1, 3), got 0");
    assertThatThrownBy(() -> AblConfig.builder().defense(Defense.ABL).epochs(3).build())
        .hasMessageStartingWith("abl.isolation_epochs must be in [1, epochs) = [1, 3)");
  }

  @Test
  void rejectsAscentEpochsBeyondTheUnlearningEpochs() {
    assertThatThrownBy(() -> AblConfig.builder().epochs(6).isolationEpochs(4).ascentEpochs(3).build())
        .hasMessage("abl.ascent_epochs must be in [1, epochs - isolation_epochs] = [1, 2], got 3");
  }

  @Test
  void finalDecay_dividesTheLearningRateByTenInTheLastEpochsOnly() {
    AblConfig c = AblConfig.builder().epochs(10).isolationEpochs(5).finalDecayEpochs(2).build();

    assertThat(c.decayed(0.01, 7)).isEqualTo(0.01);
    assertThat(c.decayed(0.01, 8)).isEqualTo(0.001);
    assertThat(c.decayed(0.01, 9)).isEqualTo(0.001);
    assertThat(c.toBuilder().finalDecayEpochs(0).build().decayed(0.01, 9)).isEqualTo(0.01);
    assertThatThrownBy(() -> AblConfig.builder().epochs(10).isolationEpochs(5).finalDecayEpochs(11).build())
        .hasMessage("abl.final_decay_epochs must be in [0, epochs] = [0, 10], got 11");
  }
}
