package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.ablserve.server.DefenseModule;
import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.AttackKind;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetRef;
import io.ablserve.server.model.ModelArch;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * ABL whose backdoor check confirms nothing ({@link AblConfig#retrainUnconfirmed}) ends as plain training
 * ends: the same weights, to the bit, and so the same accuracy, whatever the isolation epochs did.
 */
@Tag("training")
class RetrainTest {

  @Test
  void unconfirmedCheck_retrainsFromTheInitialWeights_andEndsExactlyAsPlainTraining() throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(FashionMnistAblTest.FASHION_MNIST));
    ExperimentRunner runner =
        new ExperimentRunner(
            new DatasetCatalog(Map.of("fashion-mnist", FashionMnistAblTest.FASHION_MNIST)),
            DefenseModule.strategies());
    AblConfig.Builder abl = AblConfig.builder().batchSize(64).stepReportInterval(5).epochs(4).isolationEpochs(2);

    RecordingListener plain = new RecordingListener();
    ResumeTest.MemoryCheckpoints plainCheckpoints = new ResumeTest.MemoryCheckpoints();
    TrainingOutcome expected =
        runner.run(
            clean(abl.defense(Defense.NONE).build()), Device.cpu(), plain, () -> false, plainCheckpoints,
            ModelSink.NONE);
    RecordingListener listener = new RecordingListener();
    ResumeTest.MemoryCheckpoints checkpoints = new ResumeTest.MemoryCheckpoints();
    TrainingOutcome outcome =
        runner.run(
            clean(abl.defense(Defense.ABL).build()), Device.cpu(), listener, () -> false, checkpoints,
            ModelSink.NONE);

    assertThat(outcome.verdict().tested()).isTrue();
    assertThat(outcome.verdict().confirmed()).isFalse();
    assertThat(outcome.verdict().margin()).isLessThan(-FashionMnistAblTest.MARGIN);
    assertThat(listener.events)
        .filteredOn(e -> e instanceof Phase)
        .containsExactly(Phase.ISOLATION, Phase.ISOLATED, Phase.RETRAINING);
    // Two isolation epochs, then plain training's four, numbered on.
    assertThat(listener.epochs).extracting(EpochReport::epoch).containsExactly(0, 1, 2, 3, 4, 5);
    assertThat(listener.epochs).extracting(EpochReport::phase)
        .containsExactly(
            Phase.ISOLATION, Phase.ISOLATION, Phase.RETRAINING, Phase.RETRAINING, Phase.RETRAINING,
            Phase.RETRAINING);
    assertThat(outcome.epochs()).isEqualTo(6);
    // The isolation epochs left the model elsewhere; the retrained epochs are plain training's, one by one.
    assertThat(listener.epochs.get(1).cleanAccuracy()).isNotEqualTo(plain.epochs.get(1).cleanAccuracy());
    assertThat(listener.epochs.subList(2, 6)).extracting(EpochReport::cleanAccuracy)
        .containsExactlyElementsOf(plain.epochs.stream().map(EpochReport::cleanAccuracy).toList());
    assertThat(checkpoints.latest().orElseThrow().parameters())
        .isEqualTo(plainCheckpoints.latest().orElseThrow().parameters());
    assertThat(outcome.cleanAccuracy()).isEqualTo(expected.cleanAccuracy());
    assertThat(outcome.classAccuracy()).containsExactly(expected.classAccuracy());
  }

  /**
   * 1,200 clean training images, seed 11: nothing for the check to confirm. Two isolation epochs, as in
   * ResumeTest: after a third, LGA on this small set gave clean T-shirts a loss gap of 5.3 nats and evidence
   * 11.2 at one intra-op thread on an AMD EPYC (0.2 at two): a false confirmation the check's threshold,
   * calibrated on 10,000 images, does not guard against at this size.
   */
  private static Experiment clean(AblConfig abl) {
    return new Experiment(
        new DatasetRef("fashion-mnist", 1200, 300), new AttackConfig(AttackKind.NONE, 0, 0.1, 3),
        ModelArch.SMALL_CNN, abl, 11);
  }
}
