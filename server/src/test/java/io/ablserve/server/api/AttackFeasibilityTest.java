package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.ListSessionsRequest;
import org.junit.jupiter.api.Test;

/**
 * CreateSession refuses an attack the training set cannot carry (issue #16: SIG at 20% waited 28 minutes in
 * the queue, then failed in 7 ms), naming the field, and queues nothing.
 */
class AttackFeasibilityTest extends ServiceTestBase {
  // The first 1000 Fashion-MNIST training images hold about 100 of each class.
  private static final DatasetSpec THOUSAND = DatasetSpec.newBuilder().setTrainLimit(1000).build();

  @Override
  TestServer.Transport transport() {
    return TestServer.Transport.IN_PROCESS;
  }

  @Test
  void createSession_refusesSigAtARateTheTargetClassCannotFill() throws Exception {
    start(new ScriptedTrainer(1, false));

    assertInvalid(
        b -> b.setDataset(THOUSAND).setAttack(attack(AttackKind.ATTACK_KIND_SIG).setPoisonRate(0.2)),
        "attack.poison_rate 0.2 asks for 200 poisoned samples but only");

    assertThat(server.blocking().listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList())
        .isEmpty();
  }

  @Test
  void createSession_refusesDirtyLabelRatesBeyondTheOtherClassesAndWaNetNoiseBeyondTheRest()
      throws Exception {
    start(new ScriptedTrainer(1, false));

    assertInvalid(
        b -> b.setDataset(THOUSAND).setAttack(attack(AttackKind.ATTACK_KIND_BADNETS).setPoisonRate(0.95)),
        "are outside the target class");
    assertInvalid(
        b -> b.setDataset(THOUSAND)
            .setAttack(attack(AttackKind.ATTACK_KIND_WANET).setPoisonRate(0.3).setWanetCrossRatio(3)),
        "attack.wanet_cross_ratio 3.0 asks for 900 noise-mode samples but only 700");
    assertInvalid(
        b -> b.setDataset(THOUSAND).setAttack(attack(AttackKind.ATTACK_KIND_SIG).setTargetLabel(10)),
        "attack.target_label must be in [0, 10)");

    assertThat(server.blocking().listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList())
        .isEmpty();
  }

  @Test
  void createSession_queuesSigAtARateTheTargetClassFills() throws Exception {
    start(new ScriptedTrainer(1, false));

    assertThat(create(config(b -> b.setDataset(THOUSAND)
            .setAttack(attack(AttackKind.ATTACK_KIND_SIG).setPoisonRate(0.05)))).getId())
        .isNotEmpty();
  }

  private static AttackSpec.Builder attack(AttackKind kind) {
    return AttackSpec.newBuilder().setKind(kind);
  }
}
