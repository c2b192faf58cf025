package io.ablserve.server.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.AttackKind;
import io.ablserve.v1.AttackSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The attack kinds of the API and of the server, mapped to each other by name. */
class AttackSpecsTest {

  @Test
  void kind_everyApiKindIsTheServerKindOfItsName_andEchoesBack() {
    List<String> apiNames = new ArrayList<>();
    for (io.ablserve.v1.AttackKind api : io.ablserve.v1.AttackKind.values()) {
      if (api == io.ablserve.v1.AttackKind.ATTACK_KIND_UNSPECIFIED
          || api == io.ablserve.v1.AttackKind.UNRECOGNIZED) {
        continue;
      }
      AttackConfig config = AttackSpecs.fromApi(AttackSpec.newBuilder().setKind(api).build());
      assertThat("ATTACK_KIND_" + config.kind()).isEqualTo(api.name());
      assertThat(AttackSpecs.toApi(config).getKind()).isEqualTo(api);
      apiNames.add(config.kind().name());
    }
    assertThat(apiNames).containsExactlyInAnyOrder(
        Arrays.stream(AttackKind.values()).map(Enum::name).toArray(String[]::new));
  }

  @Test
  void kind_unsetIsTheDefault_andAnUnknownNumberIsRefusedWithTheKindsThereAre() {
    assertThat(AttackSpecs.fromApi(AttackSpec.getDefaultInstance()).kind())
        .isEqualTo(AttackConfig.DEFAULTS.kind());
    assertThatThrownBy(() -> AttackSpecs.fromApi(AttackSpec.newBuilder().setKindValue(99).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("attack.kind must be one of NONE, BADNETS, BLEND, TROJAN, SIG, WANET, CL, DYNAMIC, got 99");
  }
}
