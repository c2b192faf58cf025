package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.BlendPattern;
import io.ablserve.v1.GetSampleImagesRequest;
import io.ablserve.v1.LabelMode;
import io.ablserve.v1.PatchCorner;
import io.ablserve.v1.ResultsServiceGrpc;
import io.ablserve.v1.SampleImage;
import io.ablserve.v1.SampleSet;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The BadNets patch's corner and margin and Blend's pattern through the API: unset is the placement and
 * pattern of before, the patch lands where asked in the images the session trains and tests on, and values
 * that cannot fit are refused naming the field.
 */
class AttackOptionsTest extends ServiceTestBase {
  @Override
  TestServer.Transport transport() {
    return TestServer.Transport.IN_PROCESS;
  }

  @Test
  void createSession_resolvesUnsetPlacementAndPatternToTheDefaults() throws Exception {
    start(new ScriptedTrainer(1, false));

    AttackSpec resolved = create(config(b -> b)).getConfig().getAttack();

    assertThat(resolved.getPatchCorner()).isEqualTo(PatchCorner.PATCH_CORNER_BOTTOM_RIGHT);
    assertThat(resolved.getPatchMarginPx()).isEqualTo(1);
    assertThat(resolved.getBlendPattern()).isEqualTo(BlendPattern.BLEND_PATTERN_NOISE);
    assertThat(resolved.getBlendSeed()).isEqualTo(0x424C454EL);
    assertThat(resolved.getLabelMode()).isEqualTo(LabelMode.LABEL_MODE_ALL_TO_ONE);
    assertThat(resolved.hasTargetLabel()).isTrue();
  }

  @Test
  void allToAll_isEchoedWithoutATarget_andIgnoresAStrayOne() throws Exception {
    start(new ScriptedTrainer(1, false));

    AttackSpec resolved = create(config(b -> b.setAttack(AttackSpec.newBuilder()
        .setKind(AttackKind.ATTACK_KIND_TROJAN).setLabelMode(LabelMode.LABEL_MODE_ALL_TO_ALL)
        .setTargetLabel(50)))).getConfig().getAttack();

    assertThat(resolved.getLabelMode()).isEqualTo(LabelMode.LABEL_MODE_ALL_TO_ALL);
    assertThat(resolved.hasTargetLabel()).as("all-to-all has no target").isFalse();
  }

  @Test
  void allToAll_triggersEveryTestImage() throws Exception {
    start(new ScriptedTrainer(1, false));
    String allToOne = create(config(b -> b.setAttack(badNets()))).getId();
    String allToAll = create(config(b -> b.setAttack(
        badNets().setLabelMode(LabelMode.LABEL_MODE_ALL_TO_ALL)))).getId();

    assertThat(testSetSize(allToAll)).isGreaterThan(testSetSize(allToOne));
  }

  @Test
  void createSession_refusesAllToAllForCleanLabelAttacksAndUnknownModes() throws Exception {
    start(new ScriptedTrainer(1, false));

    assertInvalid(b -> b.setAttack(AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_SIG)
        .setLabelMode(LabelMode.LABEL_MODE_ALL_TO_ALL)),
        "attack.label_mode ALL_TO_ALL applies to BADNETS, BLEND, TROJAN, WANET and DYNAMIC, which relabel"
            + " their poisons; SIG is clean-label and keeps every label");
    assertInvalid(b -> b.setAttack(badNets().setLabelModeValue(9)),
        "attack.label_mode must be one of ALL_TO_ONE, ALL_TO_ALL, got 9");
  }

  @Test
  void cl_resolvesItsDefaults_withTheBoundOfGreyImages() throws Exception {
    start(new ScriptedTrainer(1, false));

    AttackSpec resolved = create(config(b -> b.setAttack(AttackSpec.newBuilder()
        .setKind(AttackKind.ATTACK_KIND_CL).setPoisonRate(0.05)))).getConfig().getAttack();

    assertThat(resolved.getKind()).isEqualTo(AttackKind.ATTACK_KIND_CL);
    assertThat(resolved.getClEpsilon()).as("Fashion-MNIST is grey").isEqualTo(16);
    assertThat(resolved.getClStepSize()).isEqualTo(1.5);
    assertThat(resolved.getClSteps()).isEqualTo(100);
    assertThat(resolved.getClSurrogateEpochs()).isEqualTo(2);
    assertThat(resolved.getClAllCorners()).isTrue();
  }

  @Test
  void cl_poisonsTargetImagesWithinEpsilon_andTriggersTestImagesWithThePatchAlone() throws Exception {
    start(new ScriptedTrainer(1, false));
    String id = create(config(b -> b
        .setDataset(io.ablserve.v1.DatasetSpec.newBuilder().setTrainLimit(300).setTestLimit(50))
        .setAttack(AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_CL).setPoisonRate(0.05)
            .setClSteps(3).setClSurrogateEpochs(1).setClEpsilon(8)))).getId();
    var results = ResultsServiceGrpc.newBlockingStub(server.channel()).withDeadlineAfter(120, TimeUnit.SECONDS);

    int poisoned = 0;
    for (SampleImage image : results.getSampleImages(GetSampleImagesRequest.newBuilder().setSessionId(id)
        .setSet(SampleSet.SAMPLE_SET_CLASS).setLabel(0).setMaxImages(256).build()).getImagesList()) {
      if (!image.getPoisoned()) {
        continue;
      }
      poisoned++;
      assertThat(image.getLabel()).isEqualTo(0);
      assertThat(image.getTrueLabel()).isEqualTo(0);
      BufferedImage after = ImageIO.read(new ByteArrayInputStream(image.getPng().toByteArray()));
      BufferedImage before = ImageIO.read(new ByteArrayInputStream(image.getCleanPng().toByteArray()));
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          int grey = after.getRaster().getSample(x, y, 0);
          if (inCornerPatch(y, x)) {
            assertThat(grey).isEqualTo(255);
          } else {
            assertThat(Math.abs(grey - before.getRaster().getSample(x, y, 0))).isLessThanOrEqualTo(8);
          }
        }
      }
    }
    assertThat(poisoned).isEqualTo(15);

    SampleImage test = results.getSampleImages(GetSampleImagesRequest.newBuilder().setSessionId(id)
        .setSet(SampleSet.SAMPLE_SET_TEST).setMaxImages(1).build()).getImages(0);
    BufferedImage triggered = ImageIO.read(new ByteArrayInputStream(test.getPng().toByteArray()));
    BufferedImage clean = ImageIO.read(new ByteArrayInputStream(test.getCleanPng().toByteArray()));
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        assertThat(triggered.getRaster().getSample(x, y, 0))
            .isEqualTo(inCornerPatch(y, x) ? 255 : clean.getRaster().getSample(x, y, 0));
      }
    }
  }

  @Test
  void createSession_refusesClParametersOutOfRange() throws Exception {
    start(new ScriptedTrainer(1, false));

    assertInvalid(b -> b.setAttack(cl().setClEpsilon(Double.NaN)),
        "attack.cl_epsilon must be in (0, 255], got NaN");
    assertInvalid(b -> b.setAttack(cl().setClEpsilon(300)), "attack.cl_epsilon must be in (0, 255], got 300.0");
    assertInvalid(b -> b.setAttack(cl().setClSteps(0)), "attack.cl_steps must be in [1, 1000], got 0");
    assertInvalid(b -> b.setAttack(cl().setClSurrogateEpochs(51)),
        "attack.cl_surrogate_epochs must be in [1, 50], got 51");
    // Fashion-MNIST has 10% of each class: a clean-label attack can poison no more.
    assertInvalid(b -> b.setAttack(cl().setPoisonRate(0.2)), "only 6000 are in the target class 0");
    assertInvalid(b -> b.setAttack(cl().setLabelMode(LabelMode.LABEL_MODE_ALL_TO_ALL)),
        "CL is clean-label and keeps every label");
  }

  /** The 3x3 patch one pixel in from each corner of a 28x28 image. */
  private static boolean inCornerPatch(int y, int x) {
    return (y >= 1 && y < 4 || y >= 24 && y < 27) && (x >= 1 && x < 4 || x >= 24 && x < 27);
  }

  private static AttackSpec.Builder cl() {
    return AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_CL).setPoisonRate(0.05);
  }

  private int testSetSize(String id) {
    return ResultsServiceGrpc.newBlockingStub(server.channel()).withDeadlineAfter(60, TimeUnit.SECONDS)
        .getSampleImages(GetSampleImagesRequest.newBuilder().setSessionId(id)
            .setSet(SampleSet.SAMPLE_SET_TEST).setMaxImages(1).build())
        .getTotalCount();
  }

  @Test
  void badNets_topLeftAtMarginTwo_landsThereInTheTriggeredTestImages() throws Exception {
    start(new ScriptedTrainer(1, false));
    AttackSpec attack = AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_BADNETS).setPatchSizePx(4)
        .setPatchCorner(PatchCorner.PATCH_CORNER_TOP_LEFT).setPatchMarginPx(2).build();
    String id = create(config(b -> b.setAttack(attack))).getId();

    SampleImage image =
        ResultsServiceGrpc.newBlockingStub(server.channel()).withDeadlineAfter(60, TimeUnit.SECONDS)
            .getSampleImages(GetSampleImagesRequest.newBuilder().setSessionId(id)
                .setSet(SampleSet.SAMPLE_SET_TEST).addIndices(0).build())
            .getImages(0);

    BufferedImage triggered = ImageIO.read(new ByteArrayInputStream(image.getPng().toByteArray()));
    BufferedImage clean = ImageIO.read(new ByteArrayInputStream(image.getCleanPng().toByteArray()));
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        boolean inPatch = y >= 2 && y < 6 && x >= 2 && x < 6;
        int grey = triggered.getRaster().getSample(x, y, 0);
        if (inPatch) {
          assertThat(grey).as("(%d, %d)", x, y).isEqualTo(255);
        } else {
          assertThat(grey).as("(%d, %d)", x, y).isEqualTo(clean.getRaster().getSample(x, y, 0));
        }
      }
    }
  }

  @Test
  void createSession_refusesPlacementsThatDoNotFitAndUnknownChoices() throws Exception {
    start(new ScriptedTrainer(1, false));

    assertInvalid(b -> b.setAttack(badNets().setPatchMarginPx(-1)), "attack.patch_margin_px must be >= 0");
    assertInvalid(b -> b.setAttack(badNets().setPatchMarginPx(5000)),
        "attack.patch_margin_px must be in [0, 1024]");
    // Fashion-MNIST images are 28x28.
    assertInvalid(b -> b.setAttack(badNets().setPatchMarginPx(28)),
        "attack.patch_margin_px must be in [0, 27] for 28x28 images");
    assertInvalid(b -> b.setAttack(badNets().setPatchMarginPx(20).setPatchSizePx(9)),
        "attack.patch_size_px must be in [1, 8] for 28x28 images");
    assertInvalid(b -> b.setAttack(badNets().setPatchCornerValue(9)), "attack.patch_corner must be one of");
    assertInvalid(b -> b.setAttack(AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_BLEND)
        .setBlendPatternValue(7)), "attack.blend_pattern must be one of NOISE, CHECKERBOARD, got 7");
  }

  @Test
  void createSession_echoesTheChosenBlendPatternAndSeed() throws Exception {
    start(new ScriptedTrainer(1, false));

    AttackSpec resolved = create(config(b -> b.setAttack(AttackSpec.newBuilder()
        .setKind(AttackKind.ATTACK_KIND_BLEND).setBlendPattern(BlendPattern.BLEND_PATTERN_CHECKERBOARD)
        .setBlendSeed(-5)))).getConfig().getAttack();

    assertThat(resolved.getBlendPattern()).isEqualTo(BlendPattern.BLEND_PATTERN_CHECKERBOARD);
    assertThat(resolved.getBlendSeed()).isEqualTo(-5);
  }

  private static AttackSpec.Builder badNets() {
    return AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_BADNETS);
  }
}
