package io.ablserve.server.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ablserve.server.train.AblState;
import io.ablserve.server.train.DefenseState;
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
    assertThat(sets(read).isolated()).containsExactly(1, 5, 9);
    assertThat(sets(read).kept()).containsExactly(0, 2, 3);
    assertThat(sets(read).suspects()).containsExactly(4);
    assertThat(sets(read).lossSums()).containsExactly(1, 4, 7, 10);
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
    assertThat(read.defenseState()).isEqualTo(state.defenseState());
    assertThat(checkpoints.lastEventSequence()).isEqualTo(41);
  }

  @Test
  void latest_resumesACheckpointWrittenBeforeDefencesKeptTheirOwnState_intoTheSameState() throws Exception {
    // Written by FileCheckpoints as of commit ebcd9fa, whose TrainingState had ABL's sets, fine-pruning's
    // channels and an "aside" array as fields: isolated {1, 5, 9}, kept {0, 2, 3}, suspects {4}, pruned {6,
    // 17}, aside 1, 4, 7, ..., 34, parameters eight 7s, optimizer {7, 2, 3}.
    copyCheckpointBeforeDefenseState();
    FileCheckpoints checkpoints = checkpoints(0);

    TrainingState read = checkpoints.latest().orElseThrow();

    assertThat(read.epoch()).isEqualTo(3);
    assertThat(read.phase()).isEqualTo(Phase.UNLEARNING);
    assertThat(read.step()).isEqualTo(300);
    assertThat(read.isolationPrecision()).isEqualTo(0.75);
    assertThat(read.isolationRecall()).isNaN();
    assertThat(read.cleanAccuracy()).isEqualTo(0.5);
    assertThat(read.attackSuccessRate()).isEqualTo(0.25);
    assertThat(read.classAccuracy()).containsExactly(0.5, 0.25);
    assertThat(read.verdict().confirmed()).isTrue();
    assertThat(read.verdict().label()).isEqualTo(3);
    assertThat(read.verdict().classEvidence()).containsExactly(Double.NaN, 8.25);
    assertThat(read.parameters()).containsExactly(7, 7, 7, 7, 7, 7, 7, 7);
    assertThat(read.optimizer()).containsExactly(7, 2, 3);
    assertThat(checkpoints.lastEventSequence()).isEqualTo(41);
    // Each defence finds its own state where the fields were.
    AblState sets = sets(read);
    assertThat(sets.ranked()).isTrue();
    assertThat(sets.isolated()).containsExactly(1, 5, 9);
    assertThat(sets.kept()).containsExactly(0, 2, 3);
    assertThat(sets.suspects()).containsExactly(4);
    byte[] aside = new byte[12];
    for (int i = 0; i < aside.length; i++) {
      aside[i] = (byte) (3 * i + 1);
    }
    assertThat(sets.lossSums()).containsExactly(aside);
    assertThat(read.defenseState().ints("pruned")).containsExactly(6, 17);
    assertThat(read.defenseState().bytes("aside")).containsExactly(aside);
    assertThat(read.defenseState().names()).containsExactly("aside", "isolated", "kept", "pruned", "suspects");

    // Saved again by this code, in the same layout, it reads back the same.
    checkpoints.save(read);
    assertThat(children(folder().resolve("000001")))
        .containsExactly(
            "aside.bin", "isolated.bin", "kept.bin", "optimizer.bin", "parameters.bin", "pruned.bin",
            "state.properties", "suspects.bin");
    for (String file : List.of("aside.bin", "isolated.bin", "kept.bin", "pruned.bin", "suspects.bin")) {
      assertThat(folder().resolve("000001").resolve(file))
          .hasSameBinaryContentAs(checkpointBeforeDefenseState().resolve(file));
    }
    TrainingState again = checkpoints.latest().orElseThrow();
    assertThat(again.defenseState()).isEqualTo(read.defenseState());
    assertThat(again.parameters()).isEqualTo(read.parameters());
    assertThat(again.optimizer()).isEqualTo(read.optimizer());
  }

  @Test
  void save_roundTripsADefencesOwnEntries_underTheirOwnNames() throws Exception {
    FileCheckpoints checkpoints = checkpoints(1);
    DefenseState own =
        DefenseState.EMPTY.with("test_only_network", new byte[] {9, 8, 7}).withInts("test_only_set", new int[] {2, 3})
            .with("test_only_empty", new byte[0]);

    checkpoints.save(withDefenseState(state(1, (byte) 1), own));

    assertThat(children(folder().resolve("000000")))
        .containsExactly(
            "optimizer.bin", "parameters.bin", "state.properties", "test_only_empty.bin", "test_only_network.bin",
            "test_only_set.bin");
    DefenseState read = checkpoints.latest().orElseThrow().defenseState();
    assertThat(read).isEqualTo(own);
    assertThat(read.bytes("test_only_network")).containsExactly(9, 8, 7);
    assertThat(read.ints("test_only_set")).containsExactly(2, 3);
    assertThat(read.bytes("test_only_empty")).isEmpty();
    assertThat(sets(checkpoints.latest().orElseThrow()).ranked()).isFalse(); // nothing of ABL's
  }

  @Test
  void save_refusesAnEntryNamedAsTheModelsOwnFiles_beforeWritingAnything() {
    FileCheckpoints checkpoints = checkpoints(1);
    TrainingState clash = withDefenseState(state(1, (byte) 1), DefenseState.EMPTY.with("parameters", new byte[1]));

    assertThatThrownBy(() -> checkpoints.save(clash))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("parameters");
    assertThat(folder()).doesNotExist();
  }

  @Test
  void latest_skipsACheckpointWithAnEntryItsChecksumsDoNotList() throws Exception {
    FileCheckpoints checkpoints = checkpoints(1);
    checkpoints.save(state(2, (byte) 1));
    Files.write(folder().resolve("000000").resolve("planted.bin"), new byte[] {1});

    assertThat(checkpoints.latest()).isEmpty();
    assertThat(warnings).anyMatch(m -> m.contains("planted.bin") && m.contains("checksum"));
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

    assertThat(sets(read).suspects()).isEmpty();
    assertThat(sets(read).isolated()).containsExactly(1, 5, 9);
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

    assertThat(read.defenseState().ints("pruned")).isEmpty();
    assertThat(sets(read).suspects()).containsExactly(4);
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

  /**
   * A state with ABL's sets and, beside them, fine-pruning's channels under the name its checkpoints use:
   * every entry a checkpoint written before the defences kept their own state holds.
   */
  private static TrainingState state(int epoch, byte fill) {
    byte[] parameters = new byte[1000];
    java.util.Arrays.fill(parameters, fill);
    DefenseState defenseState =
        new AblState(new int[] {1, 5, 9}, new int[] {0, 2, 3}, new int[] {4}, new byte[] {1, 4, 7, 10})
            .encode()
            .withInts("pruned", new int[] {6, 17});
    return new TrainingState(
        epoch, Phase.UNLEARNING, 300, 0.75, Double.NaN, 0.5, 0.25, new double[] {0.5, 0.25},
        new Verdict(true, true, 3, 8.25, 6.0, 3, 1, new double[] {Double.NaN, 8.25}), parameters,
        new byte[] {fill, 2, 3}, defenseState);
  }

  private static TrainingState withDefenseState(TrainingState state, DefenseState defenseState) {
    return new TrainingState(
        state.epoch(), state.phase(), state.step(), state.isolationPrecision(), state.isolationRecall(),
        state.cleanAccuracy(), state.attackSuccessRate(), state.classAccuracy(), state.verdict(), state.parameters(),
        state.optimizer(), defenseState);
  }

  private static AblState sets(TrainingState state) {
    return AblState.of(state.defenseState());
  }

  /** The checkpoint the FileCheckpoints of commit ebcd9fa wrote, kept as a test resource. */
  private static Path checkpointBeforeDefenseState() throws Exception {
    return Path.of(
        FileCheckpointsTest.class.getResource("checkpoint-before-defense-state/000000/state.properties").toURI())
        .getParent();
  }

  private void copyCheckpointBeforeDefenseState() throws Exception {
    Path into = Files.createDirectories(folder().resolve("000000"));
    try (Stream<Path> files = Files.list(checkpointBeforeDefenseState())) {
      for (Path file : files.toList()) {
        Files.copy(file, into.resolve(file.getFileName().toString()));
      }
    }
  }

  private static List<String> children(Path folder) throws IOException {
    try (Stream<Path> list = Files.list(folder)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
