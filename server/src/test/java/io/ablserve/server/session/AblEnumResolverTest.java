package io.ablserve.server.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ablserve.server.data.DatasetInfo;
import io.ablserve.server.train.IsolationSignal;
import io.ablserve.server.train.SuspectTreatment;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.SessionConfig;
import org.junit.jupiter.api.Test;

/** The ABL enums mapped by name, {@code abl.isolation_signal} and {@code abl.suspect_treatment}, as the
 * resolver reads and echoes them. */
class AblEnumResolverTest {
  private final SessionConfigResolver resolver =
      new SessionConfigResolver(
          new DeviceResolver(() -> 0), "cpu", e -> {}, name -> new DatasetInfo(name, 1, 28, 28, 10));

  private static SessionConfig config(AblConfig.Builder abl) {
    return SessionConfig.newBuilder()
        .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist"))
        .setAbl(abl)
        .build();
  }

  @Test
  void unset_resolvesToLoss_andIsEchoed() throws Exception {
    ResolvedSession resolved = resolver.resolve(config(AblConfig.newBuilder()));

    assertThat(resolved.experiment().abl().isolationSignal()).isEqualTo(IsolationSignal.LOSS);
    assertThat(resolved.config().getAbl().getIsolationSignal())
        .isEqualTo(io.ablserve.v1.IsolationSignal.ISOLATION_SIGNAL_LOSS);
  }

  @Test
  void everySignal_mapsToItsTrainingValue_andEchoesItself() throws Exception {
    for (io.ablserve.v1.IsolationSignal api : io.ablserve.v1.IsolationSignal.values()) {
      if (api == io.ablserve.v1.IsolationSignal.ISOLATION_SIGNAL_UNSPECIFIED
          || api == io.ablserve.v1.IsolationSignal.UNRECOGNIZED) {
        continue;
      }
      ResolvedSession resolved = resolver.resolve(config(AblConfig.newBuilder().setIsolationSignal(api)));

      assertThat(resolved.experiment().abl().isolationSignal().name())
          .isEqualTo(api.name().substring("ISOLATION_SIGNAL_".length()));
      assertThat(resolved.config().getAbl().getIsolationSignal()).isEqualTo(api);
    }
    // Every training signal has its API value.
    assertThat(io.ablserve.v1.IsolationSignal.values()).hasSize(IsolationSignal.values().length + 2);
  }

  @Test
  void anUnknownValue_isRefusedNamingTheField() {
    assertThatThrownBy(() -> resolver.resolve(config(AblConfig.newBuilder().setIsolationSignalValue(42))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("abl.isolation_signal")
        .hasMessageContaining("42");
  }

  @Test
  void unsetTreatment_resolvesToTheDefault_andIsEchoed() throws Exception {
    ResolvedSession resolved = resolver.resolve(config(AblConfig.newBuilder()));

    assertThat(resolved.experiment().abl().suspectTreatment())
        .isEqualTo(io.ablserve.server.train.AblConfig.DEFAULTS.suspectTreatment());
    assertThat(resolved.config().getAbl().getSuspectTreatment().name())
        .isEqualTo("SUSPECT_TREATMENT_" + io.ablserve.server.train.AblConfig.DEFAULTS.suspectTreatment());
  }

  @Test
  void everyTreatment_mapsToItsTrainingValue_andEchoesItself() throws Exception {
    for (SuspectTreatment treatment : SuspectTreatment.values()) {
      io.ablserve.v1.SuspectTreatment api =
          io.ablserve.v1.SuspectTreatment.valueOf("SUSPECT_TREATMENT_" + treatment.name());
      ResolvedSession resolved = resolver.resolve(config(AblConfig.newBuilder().setSuspectTreatment(api)));

      assertThat(resolved.experiment().abl().suspectTreatment()).isEqualTo(treatment);
      assertThat(resolved.config().getAbl().getSuspectTreatment()).isEqualTo(api);
    }
    assertThat(io.ablserve.v1.SuspectTreatment.values()).hasSize(SuspectTreatment.values().length + 2);
  }

  @Test
  void anUnknownTreatment_isRefusedNamingTheField() {
    assertThatThrownBy(() -> resolver.resolve(config(AblConfig.newBuilder().setSuspectTreatmentValue(7))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("abl.suspect_treatment")
        .hasMessageContaining("7");
  }
}
