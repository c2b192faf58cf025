package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.GetSampleImagesRequest;
import io.ablserve.v1.LabelMode;
import io.ablserve.v1.ResultsServiceGrpc;
import io.ablserve.v1.SampleImage;
import io.ablserve.v1.SampleSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The dynamic attack through the API: its defaults echoed, settings out of range refused naming the field,
 * and the session's test images triggered each with its own generated trigger.
 */
class DynamicAttackOptionsTest extends ServiceTestBase {
  @Override
  TestServer.Transport transport() {
    return TestServer.Transport.IN_PROCESS;
  }

  private static AttackSpec.Builder dynamic() {
    return AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_DYNAMIC);
  }

  @Test
  void createSession_echoesTheDynamicDefaults() throws Exception {
    start(new ScriptedTrainer(1, false));

    AttackSpec resolved = create(config(b -> b.setAttack(dynamic()))).getConfig().getAttack();

    assertThat(resolved.getKind()).isEqualTo(AttackKind.ATTACK_KIND_DYNAMIC);
    assertThat(resolved.getPoisonRate()).isEqualTo(0.1);
    assertThat(resolved.getTargetLabel()).isZero();
    assertThat(resolved.getDynamicGeneratorEpochs()).isEqualTo(2);
    assertThat(resolved.getDynamicMaskEpochs()).isEqualTo(1);
    assertThat(resolved.getDynamicCrossRatio()).isEqualTo(1.0);
    assertThat(resolved.getDynamicMaskDensity()).isEqualTo(0.032);
    assertThat(create(config(b -> b.setAttack(dynamic().setLabelMode(LabelMode.LABEL_MODE_ALL_TO_ALL))))
        .getConfig().getAttack().getLabelMode()).isEqualTo(LabelMode.LABEL_MODE_ALL_TO_ALL);
  }

  @Test
  void createSession_refusesDynamicSettingsOutOfRange() throws Exception {
    start(new ScriptedTrainer(1, false));

    assertInvalid(b -> b.setAttack(dynamic().setDynamicGeneratorEpochs(0)),
        "attack.dynamic_generator_epochs must be in [1, 50], got 0");
    assertInvalid(b -> b.setAttack(dynamic().setDynamicMaskEpochs(51)),
        "attack.dynamic_mask_epochs must be in [0, 50], got 51");
    assertInvalid(b -> b.setAttack(dynamic().setDynamicCrossRatio(-1)),
        "attack.dynamic_cross_ratio must be in [0, 10], got -1.0");
    assertInvalid(b -> b.setAttack(dynamic().setDynamicMaskDensity(Double.NaN)),
        "attack.dynamic_mask_density must be in (0, 1], got NaN");
    assertInvalid(b -> b.setAttack(dynamic().setPoisonRate(0.5).setDynamicCrossRatio(2)),
        "attack.dynamic_cross_ratio 2.0 asks for 60000 cross-mode samples but only 30000 samples are left");
  }

  @Test
  void sampleImages_triggerEachTestImageWithItsOwnTrigger() throws Exception {
    start(new ScriptedTrainer(1, false));
    String id = create(config(b -> b
        .setDataset(DatasetSpec.newBuilder().setTrainLimit(200).setTestLimit(20))
        .setAttack(dynamic().setDynamicGeneratorEpochs(1).setDynamicMaskEpochs(1)
            .setDynamicMaskDensity(0.1)))).getId();
    var results = ResultsServiceGrpc.newBlockingStub(server.channel()).withDeadlineAfter(120, TimeUnit.SECONDS);

    List<SampleImage> test = results.getSampleImages(GetSampleImagesRequest.newBuilder().setSessionId(id)
        .setSet(SampleSet.SAMPLE_SET_TEST).setMaxImages(4).build()).getImagesList();
    List<SampleImage> again = results.getSampleImages(GetSampleImagesRequest.newBuilder().setSessionId(id)
        .setSet(SampleSet.SAMPLE_SET_TEST).setMaxImages(4).build()).getImagesList();

    assertThat(test).hasSize(4);
    for (int i = 0; i < test.size(); i++) {
      assertThat(test.get(i).getPoisoned()).isTrue();
      assertThat(test.get(i).getPng()).as("image %d triggered", i).isNotEqualTo(test.get(i).getCleanPng());
      assertThat(again.get(i).getPng()).as("image %d the same twice", i).isEqualTo(test.get(i).getPng());
    }
  }
}
