package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.store.PrivateFiles;
import io.ablserve.server.train.AblState;
import io.ablserve.server.train.Checkpoints;
import io.ablserve.server.train.TrainingState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The sets the turning epoch split the training set into, as training used them: D_b as ascended, the
 * kept set D_c, and between them the suspects left out. The event log carries only the ranking's pick and
 * the sets' sizes; these are taken from the first checkpoint that holds them (the one saved at the
 * ranking, read through ABL's own {@link AblState}) and kept beside the session's model in {@code
 * <dataDir>/sessions/<id>/isolation/sets.bin}, since checkpoints are deleted when a session ends.
 *
 * @param ascended D_b's training-set indices, sorted
 * @param kept D_c's training-set indices at the ranking, sorted
 */
record IsolatedSets(int[] ascended, int[] kept) {
  private static final int FORMAT = 1;

  IsolatedSets {
    requireNonNull(ascended, "ascended");
    requireNonNull(kept, "kept");
  }

  static Path file(Path dataDir, String sessionId) {
    return dataDir.resolve("sessions").resolve(sessionId).resolve("isolation").resolve("sets.bin");
  }

  /** The samples of a training set of {@code trainSize} in neither D_b nor D_c, sorted. */
  int[] suspects(int trainSize) {
    boolean[] placed = new boolean[trainSize];
    for (int i : ascended) {
      placed[i] = true;
    }
    for (int i : kept) {
      placed[i] = true;
    }
    int[] suspects = new int[Math.max(0, trainSize - ascended.length - kept.length)];
    int n = 0;
    for (int i = 0; i < trainSize && n < suspects.length; i++) {
      if (!placed[i]) {
        suspects[n++] = i;
      }
    }
    return suspects;
  }

  /** The sets recorded in {@code file}, if any. */
  static Optional<IsolatedSets> read(Path file) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int format = in.readInt();
      if (format != FORMAT) {
        throw new IOException(file + " has format " + format + ", not " + FORMAT);
      }
      return Optional.of(new IsolatedSets(ints(in), ints(in)));
    }
  }

  /** Writes the sets to {@code file} in one atomic rename. */
  void write(Path file) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(FORMAT);
      writeInts(out, ascended);
      writeInts(out, kept);
    }
    PrivateFiles.createDirectories(file.getParent());
    Path temporary = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.write(temporary, bytes.toByteArray());
    PrivateFiles.restrict(temporary);
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * {@code checkpoints}, recording the sets into {@code file} from the first ranked checkpoint this run
   * saves; a run resumed from a ranked checkpoint recorded them already, in the run that ranked.
   */
  static Checkpoints recording(Checkpoints checkpoints, Path file) {
    requireNonNull(checkpoints, "checkpoints");
    requireNonNull(file, "file");
    return new Checkpoints() {
      private boolean recorded;

      @Override
      public void save(TrainingState state) throws IOException {
        checkpoints.save(state);
        if (!recorded) {
          AblState sets = AblState.of(state.defenseState());
          if (sets.ranked()) {
            new IsolatedSets(sets.isolated(), sets.kept()).write(file);
            recorded = true;
          }
        }
      }

      @Override
      public Optional<TrainingState> latest() {
        Optional<TrainingState> latest = checkpoints.latest();
        recorded |= latest.map(s -> AblState.of(s.defenseState()).ranked()).orElse(false);
        return latest;
      }
    };
  }

  private static int[] ints(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      throw new IOException("negative count " + n);
    }
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = in.readInt();
    }
    return out;
  }

  private static void writeInts(DataOutputStream out, int[] values) throws IOException {
    out.writeInt(values.length);
    for (int v : values) {
      out.writeInt(v);
    }
  }
}
