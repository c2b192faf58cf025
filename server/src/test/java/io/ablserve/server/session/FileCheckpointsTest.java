package io.ablserve.server.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.train.Phase;
import io.ablserve.server.train.TrainingState;
import io.ablserve.server.train.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileCheckpointsTest {
  @TempDir Path dataDir;

  private final List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Logger logger = Logger.getLogger(FileCheckpoints.class.getName());
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          warnings.add(record.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void captureLog() {
    logger.addHandler(capture);
  }

  @AfterEach
  void releaseLog() {
    logger.removeHandler(capture);
  }

  @Test
  void save_roundTripsEveryField() throws Exception {
    FileCheckpoints checkpoints = checkpoints(41);
    TrainingState state = state(3, (byte) 7);

    checkpoints.save(state);

    TrainingState read = checkpoints.latest().orElseThrow();
    assertThat(read.epoch()).isEqualTo(3);
    assertThat(read.phase()).isEqualTo(Phase.UNLEARNING);
    assertThat(read.isolated()).containsExactly(1, 5, 9);
    assertThat(read.kept()).containsExactly(0, 2, 3);
    assertThat(read.suspects()).containsExactly(4);
    assertThat(read.step()).isEqualTo(300);
    assertThat(read.isolationPrecision()).isEqualTo(0.75);
    assertThat(read.isolationRecall()).isNaN();
    assertThat(read.cleanAccuracy()).isEqualTo(0.5);
    assertThat(read.attackSuccessRate()).isEqualTo(0.25);
    assertThat(read.classAccuracy()).containsExactly(0.5, 0.25);
    assertThat(read.verdict().confirmed()).isTrue();
    assertThat(read.verdict().label()).isEqualTo(3);
    assertThat(read.verdict().evidence()).isEqualTo(8.25);
    assertThat(read.verdict().ascendedCount()).isEqualTo(3);
    assertThat(read.verdict().suspectCount()).isEqualTo(1);
    assertThat(read.verdict().classEvidence()).containsExactly(Double.NaN, 8.25);
    assertThat(read.parameters()).containsExactly(state.parameters());
    assertThat(read.optimizer()).containsExactly(state.optimizer());
    assertThat(read.pruned()).containsExactly(6, 17);
    assertThat(checkpoints.lastEventSequence()).isEqualTo(41);
  }

  @Test
  void latest_readsACheckpointSavedBeforeSuspectsWereKept_withNoSuspects() throws Exception {
    FileCheckpoints checkpoints = checkpoints(1);
    checkpoints.save(state(2, (byte) 1));
    Path saved = folder().resolve("000000");
    Files.delete(saved.resolve("suspects.bin"));
    Path properties = saved.resolve("state.properties");
    Files.write(
        properties,
        Files.readAllLines(properties).stream().filter(l -> !l.startsWith("crc32.suspects.bin")).toList());

    TrainingState read = checkpoints.latest().orElseThrow();

    assertThat(read.suspects()).isEmpty();
    assertThat(read.isolated()).containsExactly(1, 5, 9);
  }

  @Test
  void latest_readsACheckpointSavedBeforePruningWasKept_withNothingPruned() throws Exception {
    FileCheckpoints checkpoints = checkpoints(1);
    checkpoints.save(state(2, (byte) 1));
    Path saved = folder().resolve("000000");
    Files.delete(saved.resolve("pruned.bin"));
    Path properties = saved.resolve("state.properties");
    Files.write(
        properties,
        Files.readAllLines(properties).stream().filter(l -> !l.startsWith("crc32.pruned.bin")).toList());

    TrainingState read = checkpoints.latest().orElseThrow();

    assertThat(read.pruned()).isEmpty();
    assertThat(read.suspects()).containsExactly(4);
  }

  @Test
  void latest_skipsACheckpointWhoseSuspectsFileIsMissing() throws Exception {
    FileCheckpoints checkpoints = checkpoints(1);
    checkpoints.save(state(2, (byte) 1));
    Files.delete(folder().resolve("000000").resolve("suspects.bin"));

    assertThat(checkpoints.latest()).isEmpty();
  }

  @Test
  void save_keepsOnlyTheLatest() throws Exception {
    FileCheckpoints checkpoints = checkpoints(1);
    checkpoints.save(state(0, (byte) 1));
    checkpoints.save(state(1, (byte) 2));
    checkpoints.save(state(2, (byte) 3));

    assertThat(checkpoints.latest().orElseThrow().epoch()).isEqualTo(2);
    assertThat(children(folder())).containsExactly("000002");
  }

  @Test
  void latest_isEmptyWithoutCheckpoints() {
    assertThat(checkpoints(0).latest()).isEmpty();
    assertThat(checkpoints(0).lastEventSequence()).isEqualTo(-1);
  }

  @Test
  void latest_ignoresTheTemporaryFolderOfASaveThatDidNotFinish() throws Exception {
    FileCheckpoints checkpoints = checkpoints(1);
    checkpoints.save(state(4, (byte) 1));
    // A save killed before its rename: a hidden folder with part of the files.
    Path partial = Files.createDirectory(folder().resolve(".tmp-000007"));
    Files.write(partial.resolve("parameters.bin"), new byte[] {1, 2});

    assertThat(checkpoints.latest().orElseThrow().epoch()).isEqualTo(4);

    checkpoints.save(state(5, (byte) 2)); // the next save clears the leftover
    assertThat(checkpoints.latest().orElseThrow().epoch()).isEqualTo(5);
    assertThat(children(folder())).containsExactly("000001");
  }

  @Test
  void latest_skipsADamagedCheckpointWithALogLine() throws Exception {
    FileCheckpoints checkpoints = checkpoints(1);
    checkpoints.save(state(6, (byte) 1));
    Path parameters = folder().resolve("000000").resolve("parameters.bin");
    byte[] bytes = Files.readAllBytes(parameters);
    bytes[0] ^= 0x55;
    Files.write(parameters, bytes);

    assertThat(checkpoints.latest()).isEmpty();
    assertThat(warnings).anyMatch(m -> m.contains("000000") && m.contains("checksum"));
  }

  @Test
  void latest_fallsBackToAnOlderCompleteCheckpoint() throws Exception {
    FileCheckpoints checkpoints = checkpoints(1);
    checkpoints.save(state(7, (byte) 1));
    // A newer numbered folder without its state file, as a damaged disk could leave.
    Path broken = Files.createDirectory(folder().resolve("000009"));
    Files.write(broken.resolve("parameters.bin"), new byte[] {1});

    assertThat(checkpoints.latest().orElseThrow().epoch()).isEqualTo(7);
    assertThat(warnings).anyMatch(m -> m.contains("000009") && m.contains("ignored"));
  }

  @Test
  void delete_removesTheCheckpointFolder() throws Exception {
    FileCheckpoints checkpoints = checkpoints(1);
    checkpoints.save(state(0, (byte) 1));

    checkpoints.delete();

    assertThat(folder()).doesNotExist();
    assertThat(checkpoints.latest()).isEmpty();
  }

  private Path folder() {
    return FileCheckpoints.folder(dataDir, "s-1");
  }

  private FileCheckpoints checkpoints(long lastSequence) {
    return new FileCheckpoints(folder(), () -> lastSequence);
  }

  private static TrainingState state(int epoch, byte fill) {
    byte[] parameters = new byte[1000];
    java.util.Arrays.fill(parameters, fill);
    return new TrainingState(
        epoch, Phase.UNLEARNING, new int[] {1, 5, 9}, new int[] {0, 2, 3}, new int[] {4}, 300, 0.75, Double.NaN, 0.5,
        0.25, new double[] {0.5, 0.25}, new Verdict(true, true, 3, 8.25, 6.0, 3, 1, new double[] {Double.NaN, 8.25}),
        parameters, new byte[] {fill, 2, 3}, new int[] {6, 17});
  }

  private static List<String> children(Path folder) throws IOException {
    try (Stream<Path> list = Files.list(folder)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
