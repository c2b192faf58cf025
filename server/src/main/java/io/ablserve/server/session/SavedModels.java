package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import ai.djl.Model;
import com.google.protobuf.util.JsonFormat;
import io.ablserve.server.model.SafetensorsExport;
import io.ablserve.server.store.PrivateFiles;
import io.ablserve.server.train.ModelSink;
import io.ablserve.server.train.NetworkSpec;
import io.ablserve.server.train.TrainingOutcome;
import io.ablserve.v1.ModelMetadata;
import io.ablserve.v1.ModelSpec;
import io.ablserve.v1.SessionConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The trained models of SUCCEEDED sessions, one folder each: {@code <dataDir>/sessions/<id>/model/} holds
 * DJL's parameter file, the same parameters as {@value #SAFETENSORS_FILE} with PyTorch's names, and
 * {@value #METADATA_FILE}, a {@link ModelMetadata} in protobuf JSON. A model is
 * written into a temporary folder and moved into place, so a crash never leaves half a model.
 */
public final class SavedModels {
  /** DJL's model name: the parameter file is {@code model-0000.params}. */
  public static final String MODEL_NAME = "model";
  public static final String METADATA_FILE = "metadata.json";
  public static final String SAFETENSORS_FILE = "model.safetensors";

  private final Path sessionsDir;

  /** Models under {@code dataDir/sessions}. */
  public SavedModels(Path dataDir) {
    this.sessionsDir = requireNonNull(dataDir, "dataDir").resolve("sessions");
  }

  /** A saved model: its folder and what it is. */
  public record SavedModel(Path dir, ModelMetadata metadata) {
    public Path paramsFile() {
      return dir.resolve(metadata.getParamsFile());
    }

    /** The safetensors file; empty for a model saved before the server wrote one. */
    public Optional<Path> safetensorsFile() {
      return metadata.getSafetensorsFile().isEmpty()
          ? Optional.empty()
          : Optional.of(dir.resolve(metadata.getSafetensorsFile()));
    }

    /** The network to load the parameters into. */
    public NetworkSpec network() {
      ModelMetadata m = metadata;
      float[] mean = new float[m.getPixelMeanCount()];
      float[] std = new float[m.getPixelStdCount()];
      for (int c = 0; c < mean.length; c++) {
        mean[c] = m.getPixelMean(c);
      }
      for (int c = 0; c < std.length; c++) {
        std[c] = m.getPixelStd(c);
      }
      return new NetworkSpec(
          SessionConfigResolver.model(ModelSpec.newBuilder().setArch(m.getArch()).build()),
          m.getInputChannels(), m.getInputHeightPx(), m.getInputWidthPx(), m.getNumClasses(),
          mean, std);
    }
  }

  /** Where the training run of session {@code sessionId} leaves its model. */
  public ModelSink sinkFor(String sessionId, SessionConfig config) {
    requireNonNull(sessionId, "sessionId");
    requireNonNull(config, "config");
    return (model, network, outcome) -> save(sessionId, config, model, network, outcome);
  }

  /** The saved model of a session; empty when it has none (it never succeeded, or predates saving). */
  public Optional<SavedModel> find(String sessionId) {
    Path dir = modelDir(sessionId);
    Path metadata = dir.resolve(METADATA_FILE);
    if (!Files.isRegularFile(metadata)) {
      return Optional.empty();
    }
    try {
      ModelMetadata.Builder parsed = ModelMetadata.newBuilder();
      JsonFormat.parser().merge(Files.readString(metadata, StandardCharsets.UTF_8), parsed);
      return Optional.of(new SavedModel(dir, parsed.build()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + metadata + ": " + e.getMessage(), e);
    }
  }

  private void save(
      String sessionId, SessionConfig config, Model model, NetworkSpec network, TrainingOutcome outcome)
      throws IOException {
    Path target = modelDir(sessionId);
    Path staging = target.resolveSibling("model.partial");
    deleteRecursively(staging);
    PrivateFiles.createDirectories(staging);
    model.save(staging, MODEL_NAME);
    Path params;
    try (Stream<Path> files = Files.list(staging)) {
      params = files.filter(f -> f.getFileName().toString().endsWith(".params")).findFirst()
          .orElseThrow(() -> new IOException("DJL wrote no .params file into " + staging));
    }
    Path safetensors = staging.resolve(SAFETENSORS_FILE);
    try (OutputStream out = Files.newOutputStream(safetensors)) {
      SafetensorsExport.write(
          model.getBlock(), network.arch(), torchMetadata(sessionId, config, network, outcome), out);
    }
    ModelMetadata.Builder metadata =
        ModelMetadata.newBuilder()
            .setSessionId(sessionId)
            .setArch(config.getModel().getArch())
            .setInputChannels(network.channels())
            .setInputHeightPx(network.height())
            .setInputWidthPx(network.width())
            .setNumClasses(network.numClasses())
            .setDataset(config.getDataset().getName())
            .setEpochs(outcome.epochs())
            .setCleanAccuracy(outcome.cleanAccuracy())
            .setAttackSuccessRate(outcome.attackSuccessRate())
            .setModelName(MODEL_NAME)
            .setParamsFile(params.getFileName().toString())
            .setParamsBytes(Files.size(params))
            .setParamsSha256(sha256(params))
            .setSafetensorsFile(SAFETENSORS_FILE)
            .setSafetensorsBytes(Files.size(safetensors))
            .setSafetensorsSha256(sha256(safetensors))
            .setEngine(model.getNDManager().getEngine().getEngineName())
            .setConfig(config);
    for (float m : network.mean()) {
      metadata.addPixelMean(m);
    }
    for (float s : network.std()) {
      metadata.addPixelStd(s);
    }
    Files.writeString(
        staging.resolve(METADATA_FILE), JsonFormat.printer().print(metadata), StandardCharsets.UTF_8);
    PrivateFiles.restrictTree(staging); // DJL wrote its files under the umask
    deleteRecursively(target);
    Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
  }

  /** What a PyTorch user needs beside the weights to rebuild and feed the network, as strings (JSON lists). */
  private static Map<String, String> torchMetadata(
      String sessionId, SessionConfig config, NetworkSpec network, TrainingOutcome outcome) {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("num_classes", Integer.toString(network.numClasses()));
    metadata.put(
        "input_shape", "[" + network.channels() + ", " + network.height() + ", " + network.width() + "]");
    metadata.put("pixel_mean", jsonList(network.mean()));
    metadata.put("pixel_std", jsonList(network.std()));
    metadata.put("session_id", sessionId);
    metadata.put("dataset", config.getDataset().getName());
    metadata.put("epochs", Integer.toString(outcome.epochs()));
    return metadata;
  }

  private static String jsonList(float[] values) {
    StringBuilder list = new StringBuilder("[");
    for (int i = 0; i < values.length; i++) {
      list.append(i == 0 ? "" : ", ").append(values[i]); // Float.toString: enough digits to round-trip
    }
    return list.append(']').toString();
  }

  private Path modelDir(String sessionId) {
    Path dir = sessionsDir.resolve(sessionId).normalize();
    if (!dir.getParent().equals(sessionsDir.normalize())) {
      throw new IllegalArgumentException("session_id '" + sessionId + "' is not a session id");
    }
    return dir.resolve("model");
  }

  static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has SHA-256", e);
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
