package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.store.PrivateFiles;
import io.ablserve.server.train.Checkpoints;
import io.ablserve.server.train.DefenseState;
import io.ablserve.server.train.Phase;
import io.ablserve.server.train.TrainingState;
import io.ablserve.server.train.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * One session's checkpoints on disk, {@code <dataDir>/sessions/<id>/checkpoint/}. Each is written into a
 * hidden temporary folder, flushed, then renamed to the next number ({@code 000007/}) in one atomic step,
 * and the older ones are deleted: a reader sees a whole checkpoint or none. {@code state.properties},
 * written last, holds the scalars, the last event sequence number the session had written, and a CRC-32
 * of every binary file; a checkpoint that fails those checks is skipped with a log line.
 *
 * <p>Besides {@code parameters.bin} and {@code optimizer.bin}, each entry of the defence's own state ({@link
 * DefenseState}) is a file {@code <name>.bin}, and every other {@code .bin} file read back is one: this
 * class knows no defence's names. Checkpoints written before the defences kept their own state hold
 * {@code isolated.bin}, {@code kept.bin}, {@code suspects.bin}, {@code pruned.bin} and {@code aside.bin}
 * for every defence, the names the defences still use, so they resume into the same state; a file a
 * checkpoint predates ({@code suspects.bin}, ...) is an absent entry, which the defence reads as empty.
 */
public final class FileCheckpoints implements Checkpoints {
  private static final Logger logger = Logger.getLogger(FileCheckpoints.class.getName());
  private static final String STATE = "state.properties";
  private static final String PARAMETERS = "parameters";
  private static final String OPTIMIZER = "optimizer";
  private static final String BINARY = ".bin";
  private static final String CRC = "crc32.";

  private final Path folder;
  private final LongSupplier lastEventSequence;

  /** Checkpoints in {@code folder}; each records {@code lastEventSequence} as it is saved. */
  public FileCheckpoints(Path folder, LongSupplier lastEventSequence) {
    this.folder = requireNonNull(folder, "folder");
    this.lastEventSequence = requireNonNull(lastEventSequence, "lastEventSequence");
  }

  /** The checkpoint folder of session {@code sessionId} under the server's {@code dataDir}. */
  public static Path folder(Path dataDir, String sessionId) {
    return dataDir.resolve("sessions").resolve(sessionId).resolve("checkpoint");
  }

  @Override
  public void save(TrainingState state) throws IOException {
    Map<String, byte[]> contents = new LinkedHashMap<>();
    contents.put(PARAMETERS, state.parameters());
    contents.put(OPTIMIZER, state.optimizer());
    state.defenseState().entries().forEach((name, value) -> {
      if (contents.putIfAbsent(name, value) != null) {
        throw new IllegalArgumentException("a defence's state entry may not be named '" + name + "'");
      }
    });
    PrivateFiles.createDirectories(folder);
    List<Path> older = numbered();
    long number = older.isEmpty() ? 0 : number(older.get(older.size() - 1)) + 1;
    Path temporary = folder.resolve(".tmp-" + name(number));
    deleteRecursively(temporary);
    PrivateFiles.createDirectories(temporary);
    Properties properties = new Properties();
    for (Map.Entry<String, byte[]> file : contents.entrySet()) {
      String name = file.getKey() + BINARY;
      write(temporary.resolve(name), file.getValue());
      properties.setProperty(CRC + name, Long.toString(crc(file.getValue())));
    }
    properties.setProperty("epoch", Integer.toString(state.epoch()));
    properties.setProperty("phase", state.phase().name());
    properties.setProperty("step", Long.toString(state.step()));
    properties.setProperty("isolation_precision", Double.toString(state.isolationPrecision()));
    properties.setProperty("isolation_recall", Double.toString(state.isolationRecall()));
    properties.setProperty("clean_accuracy", Double.toString(state.cleanAccuracy()));
    properties.setProperty("attack_success_rate", Double.toString(state.attackSuccessRate()));
    properties.setProperty("class_accuracy", doubles(state.classAccuracy()));
    Verdict verdict = state.verdict();
    properties.setProperty("verdict.tested", Boolean.toString(verdict.tested()));
    properties.setProperty("verdict.confirmed", Boolean.toString(verdict.confirmed()));
    properties.setProperty("verdict.label", Integer.toString(verdict.label()));
    properties.setProperty("verdict.evidence", Double.toString(verdict.evidence()));
    properties.setProperty("verdict.threshold", Double.toString(verdict.threshold()));
    properties.setProperty("verdict.ascended", Integer.toString(verdict.ascendedCount()));
    properties.setProperty("verdict.suspects", Integer.toString(verdict.suspectCount()));
    properties.setProperty("verdict.class_evidence", doubles(verdict.classEvidence()));
    properties.setProperty("last_event_sequence", Long.toString(lastEventSequence.getAsLong()));
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    try (Writer out = new OutputStreamWriter(text, StandardCharsets.UTF_8)) {
      properties.store(out, "ablserve checkpoint");
    }
    write(temporary.resolve(STATE), text.toByteArray());
    Files.move(temporary, folder.resolve(name(number)), StandardCopyOption.ATOMIC_MOVE);
    for (Path old : older) {
      deleteRecursively(old);
    }
    for (Path leftover : leftovers()) {
      deleteRecursively(leftover);
    }
  }

  @Override
  public Optional<TrainingState> latest() {
    List<Path> saved;
    try {
      saved = numbered();
    } catch (IOException e) {
      logger.warning("checkpoints in " + folder + " unreadable: " + e);
      return Optional.empty();
    }
    for (int i = saved.size() - 1; i >= 0; i--) {
      try {
        return Optional.of(read(saved.get(i)));
      } catch (IOException | RuntimeException e) {
        logger.warning("checkpoint " + saved.get(i) + " ignored, it is damaged: " + e.getMessage());
      }
    }
    return Optional.empty();
  }

  /** The last event sequence number recorded with the latest checkpoint, or -1. */
  long lastEventSequence() {
    try {
      List<Path> saved = numbered();
      if (saved.isEmpty()) {
        return -1;
      }
      return Long.parseLong(properties(saved.get(saved.size() - 1)).getProperty("last_event_sequence"));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Removes every checkpoint of this session, for a session that will not be resumed. */
  void delete() {
    try {
      deleteRecursively(folder);
    } catch (IOException e) {
      logger.warning("checkpoints in " + folder + " not deleted: " + e);
    }
  }

  private TrainingState read(Path checkpoint) throws IOException {
    Properties properties = properties(checkpoint);
    Map<String, byte[]> contents = new TreeMap<>();
    for (String name : binaryNames(checkpoint, properties)) {
      byte[] content = Files.readAllBytes(checkpoint.resolve(name + BINARY));
      String expected = properties.getProperty(CRC + name + BINARY);
      if (expected == null || Long.parseLong(expected) != crc(content)) {
        throw new IOException(name + BINARY + " does not match its checksum");
      }
      contents.put(name, content);
    }
    byte[] parameters = contents.remove(PARAMETERS);
    byte[] optimizer = contents.remove(OPTIMIZER);
    return new TrainingState(
        Integer.parseInt(required(properties, "epoch")),
        Phase.valueOf(required(properties, "phase")),
        Long.parseLong(required(properties, "step")),
        Double.parseDouble(required(properties, "isolation_precision")),
        Double.parseDouble(required(properties, "isolation_recall")),
        Double.parseDouble(required(properties, "clean_accuracy")),
        Double.parseDouble(required(properties, "attack_success_rate")),
        doubles(properties.getProperty("class_accuracy", "")),
        verdict(properties),
        parameters,
        optimizer,
        DefenseState.of(contents));
  }

  /**
   * The names of the binary files {@code checkpoint} holds or its checksums list, without {@code .bin}; the
   * parameters and optimizer among them even where both lack them, so that a checkpoint without them is
   * damaged, and a file without its checksum, or a checksum without its file, is too. A file whose name no
   * entry could have is not the checkpoint's; a checksum of one is damage.
   */
  private static Set<String> binaryNames(Path checkpoint, Properties properties) throws IOException {
    Set<String> names = new TreeSet<>(List.of(PARAMETERS, OPTIMIZER));
    for (String key : properties.stringPropertyNames()) {
      if (key.startsWith(CRC)) {
        String name = key.substring(CRC.length());
        if (!name.endsWith(BINARY) || !DefenseState.isEntryName(stem(name))) {
          throw new IOException("state.properties has a checksum of '" + name + "'");
        }
        names.add(stem(name));
      }
    }
    try (Stream<Path> files = Files.list(checkpoint)) {
      files.map(p -> p.getFileName().toString())
          .filter(f -> f.endsWith(BINARY) && DefenseState.isEntryName(stem(f)))
          .forEach(f -> names.add(stem(f)));
    }
    return names;
  }

  /** {@code fileName} without its {@code .bin}. */
  private static String stem(String fileName) {
    return fileName.substring(0, fileName.length() - BINARY.length());
  }

  /** The verdict a checkpoint recorded; {@link Verdict#NOT_TESTED} for one saved before verdicts existed. */
  private static Verdict verdict(Properties p) {
    if (!Boolean.parseBoolean(p.getProperty("verdict.tested", "false"))) {
      return Verdict.NOT_TESTED;
    }
    return new Verdict(
        true,
        Boolean.parseBoolean(p.getProperty("verdict.confirmed")),
        Integer.parseInt(p.getProperty("verdict.label")),
        Double.parseDouble(p.getProperty("verdict.evidence")),
        Double.parseDouble(p.getProperty("verdict.threshold")),
        Integer.parseInt(p.getProperty("verdict.ascended")),
        Integer.parseInt(p.getProperty("verdict.suspects")),
        doubles(p.getProperty("verdict.class_evidence", "")));
  }

  private static String doubles(double[] values) {
    return Arrays.stream(values).mapToObj(Double::toString).collect(Collectors.joining(","));
  }

  private static double[] doubles(String text) {
    return text.isEmpty() ? new double[0] : Arrays.stream(text.split(",")).mapToDouble(Double::parseDouble).toArray();
  }

  private static Properties properties(Path checkpoint) throws IOException {
    Properties properties = new Properties();
    try (Reader in = Files.newBufferedReader(checkpoint.resolve(STATE), StandardCharsets.UTF_8)) {
      properties.load(in);
    }
    return properties;
  }

  private static String required(Properties properties, String key) throws IOException {
    String value = properties.getProperty(key);
    if (value == null) {
      throw new IOException("state.properties lacks " + key);
    }
    return value;
  }

  /** Complete checkpoints, oldest first; temporary folders of an interrupted save are not among them. */
  private List<Path> numbered() throws IOException {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(folder)) {
      return children
          .filter(p -> p.getFileName().toString().matches("\\d{6}") && Files.isDirectory(p))
          .sorted(Comparator.comparingLong(FileCheckpoints::number))
          .toList();
    }
  }

  /** Temporary folders of saves a crash cut short. */
  private List<Path> leftovers() throws IOException {
    try (Stream<Path> children = Files.list(folder)) {
      return children.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList();
    }
  }

  private static long number(Path checkpoint) {
    return Long.parseLong(checkpoint.getFileName().toString());
  }

  private static String name(long number) {
    return String.format("%06d", number);
  }

  private static void write(Path file, byte[] content) throws IOException {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(content);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      PrivateFiles.restrict(file);
      channel.force(true); // on disk before the rename makes it visible
    }
  }

  private static long crc(byte[] content) {
    CRC32 crc = new CRC32();
    crc.update(content);
    return crc.getValue();
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
