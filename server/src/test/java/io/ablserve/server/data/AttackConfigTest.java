package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AttackConfigTest {

  @Test
  void defaults_arePinned() {
    assertThat(AttackConfig.DEFAULTS)
        .isEqualTo(new AttackConfig(AttackKind.BADNETS, 0, 0.1, 3, 0.2, 20.0, 6, 4, 0.5, 2.0));
  }

  @Test
  void shortConstructor_takesTriggerParametersFromTheDefaults() {
    AttackConfig blend = new AttackConfig(AttackKind.BLEND, 4, 0.05, 2);
    assertThat(blend.blendAlpha()).isEqualTo(0.2);
    assertThat(blend.wanetCrossRatio()).isEqualTo(2.0);
    assertThat(AttackConfig.of(AttackKind.SIG, 1, 0.05).patchSizePx()).isEqualTo(3);
  }

  @Test
  void rejectsOutOfRangeTriggerParameters_namingTheApiField() {
    assertThatThrownBy(() -> new AttackConfig(AttackKind.BLEND, 0, 0.1, 3, 1.0, 20, 6, 4, 0.5, 2))
        .hasMessage("attack.blend_alpha must be in (0, 1), got 1.0");
    assertThatThrownBy(() -> new AttackConfig(AttackKind.SIG, 0, 0.1, 3, 0.2, 0, 6, 4, 0.5, 2))
        .hasMessage("attack.sig_amplitude must be in (0, 255], got 0.0");
    assertThatThrownBy(() -> new AttackConfig(AttackKind.SIG, 0, 0.1, 3, 0.2, 20, 0, 4, 0.5, 2))
        .hasMessage("attack.sig_frequency must be >= 1, got 0");
    assertThatThrownBy(() -> new AttackConfig(AttackKind.WANET, 0, 0.1, 3, 0.2, 20, 6, 1, 0.5, 2))
        .hasMessage("attack.wanet_grid_size must be >= 2, got 1");
    assertThatThrownBy(() -> new AttackConfig(AttackKind.WANET, 0, 0.1, 3, 0.2, 20, 6, 4, -0.1, 2))
        .hasMessage("attack.wanet_strength must be in [0, 10], got -0.1");
    assertThatThrownBy(() -> new AttackConfig(AttackKind.WANET, 0, 0.1, 3, 0.2, 20, 6, 4, 0.5, Double.NaN))
        .hasMessage("attack.wanet_cross_ratio must be in [0, 10], got NaN");
  }

  @Test
  void onlySigAndClAreCleanLabel() {
    for (AttackKind kind : AttackKind.values()) {
      assertThat(kind.cleanLabel()).as(kind.name()).isEqualTo(kind == AttackKind.SIG || kind == AttackKind.CL);
    }
  }
}
