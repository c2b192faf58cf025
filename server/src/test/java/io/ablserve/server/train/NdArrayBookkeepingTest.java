package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ablserve.server.DefenseModule;
import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.AttackKind;
import io.ablserve.server.data.CifarFiles;
import io.ablserve.server.data.CleanData;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetRef;
import io.ablserve.server.model.ModelArch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session leaves DJL's native bookkeeping as it found it: every NDArray it made lived in a manager that
 * closed with its batch, phase or model. The CI-sized form of bench/memory.sh, which watches RSS over a
 * 20-epoch session and 10 sessions in a row.
 */
@Tag("training")
class NdArrayBookkeepingTest {

  /** NDArrays attached to any manager under DJL's system manager, sub-managers included. */
  static int liveArrays() {
    try (NDManager probe = NDManager.newBaseManager()) {
      return probe.getParentManager().getManagedArrays().size();
    }
  }

  @Test
  void liveArrays_countsAnArrayLeftInALongLivedManager() {
    int before = liveArrays();
    try (NDManager longLived = NDManager.newBaseManager()) {
      NDArray leaked = longLived.create(new float[] {1, 2, 3});
      assertThat(liveArrays()).isEqualTo(before + 1);
      leaked.close();
      assertThat(liveArrays()).isEqualTo(before);
    }
  }

  @Test
  void ablSession_returnsNdArrayCountToItsBaseline_andHoldsItFlatAcrossEpochs(@TempDir Path folder)
      throws Exception {
    CifarFiles.writeDataset(folder, 24, 3);
    ExperimentRunner runner =
        new ExperimentRunner(new DatasetCatalog(Map.of("cifar", folder)), DefenseModule.strategies());
    Experiment experiment =
        new Experiment(
            new DatasetRef("cifar", 0, 0),
            AttackConfig.of(AttackKind.BADNETS, 0, 0.1),
            ModelArch.SMALL_CNN,
            // Isolation, the ranking and the backdoor check, which confirms nothing in 24 images, so the
            // initial weights drawn again and three epochs retrained with augmentation.
            AblConfig.builder().epochs(3).isolationEpochs(1).isolationRatio(0.05).batchSize(32).build(),
            5);
    // A first session pays DJL's one-time allocations, which are not a session's to return.
    runner.run(experiment, Device.cpu(), TrainingListener.NONE, () -> false);
    int baseline = liveArrays();

    List<Integer> atEpochEnd = liveArraysAtEachEpochEnd(runner, experiment);

    assertThat(liveArrays()).as("NDArrays left after the session").isEqualTo(baseline);
    // While the model lives it holds its parameters, BatchNorm statistics and momentum buffers, and
    // nothing that grows with the steps or epochs taken.
    assertThat(atEpochEnd).hasSize(4).allMatch(count -> count.equals(atEpochEnd.get(0)));
  }

  @Test
  void nadSession_freesItsTeacherWithTheRun_andLeaksNothingPerStep(@TempDir Path folder) throws Exception {
    CifarFiles.writeDataset(folder, 24, 3);
    ExperimentRunner runner =
        new ExperimentRunner(new DatasetCatalog(Map.of("cifar", folder)), DefenseModule.strategies());
    AblConfig abl = AblConfig.builder().defense(Defense.NAD).epochs(2).isolationEpochs(1).batchSize(8).build();
    Experiment experiment =
        new Experiment(
            new DatasetRef("cifar", 0, 0), AttackConfig.of(AttackKind.BADNETS, 0, 0.1), ModelArch.SMALL_CNN, abl, 5,
            new CleanData("", 40, 0), new FineTuning(3, 0.01, 0.04, 0.9, 1, 100));
    runner.run(experiment, Device.cpu(), TrainingListener.NONE, () -> false);
    int baseline = liveArrays();

    List<Integer> atEpochEnd = liveArraysAtEachEpochEnd(runner, experiment);

    assertThat(liveArrays()).as("NDArrays left after the session").isEqualTo(baseline);
    // Epochs 0-1 (plain) and 2 (the teacher's), then 3 distillation epochs of 5 steps each, which hold the
    // teacher's copy and nothing that grows with the steps taken.
    assertThat(atEpochEnd).hasSize(6);
    assertThat(atEpochEnd.subList(3, 6)).allMatch(count -> count.equals(atEpochEnd.get(3)));
  }

  @Test
  void mcrSession_freesItsCurveWithTheRun_andLeaksNothingPerStep(@TempDir Path folder) throws Exception {
    CifarFiles.writeDataset(folder, 24, 3);
    ExperimentRunner runner =
        new ExperimentRunner(new DatasetCatalog(Map.of("cifar", folder)), DefenseModule.strategies());
    AblConfig abl = AblConfig.builder().defense(Defense.MCR).epochs(2).isolationEpochs(1).batchSize(8).build();
    Experiment experiment =
        new Experiment(
            new DatasetRef("cifar", 0, 0), AttackConfig.of(AttackKind.BADNETS, 0, 0.1), ModelArch.SMALL_CNN, abl, 5,
            new CleanData("", 40, 0), new FineTuning(1, 0.01, 0.04, 0.9, 1, 10, 3, 0.4));
    runner.run(experiment, Device.cpu(), TrainingListener.NONE, () -> false);
    int baseline = liveArrays();

    List<Integer> atEpochEnd = liveArraysAtEachEpochEnd(runner, experiment);

    assertThat(liveArrays()).as("NDArrays left after the session").isEqualTo(baseline);
    // Epochs 0-1 (plain), 2 and 3 (the endpoints), then 3 curve epochs of 5 steps and a BatchNorm pass each,
    // which hold the curve's three weight sets and nothing that grows with the steps taken.
    assertThat(atEpochEnd).hasSize(7);
    assertThat(atEpochEnd.subList(4, 7)).allMatch(count -> count.equals(atEpochEnd.get(4)));
  }

  /** Runs {@code experiment} again and counts the live NDArrays as each of its epochs ends. */
  private static List<Integer> liveArraysAtEachEpochEnd(ExperimentRunner runner, Experiment experiment)
      throws Exception {
    List<Integer> atEpochEnd = new ArrayList<>();
    runner.run(
        experiment,
        Device.cpu(),
        new TrainingListener() {
          @Override
          public void onEpoch(EpochReport report) {
            atEpochEnd.add(liveArrays());
          }
        },
        () -> false);
    return atEpochEnd;
  }
}
