package io.ablserve.server.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.util.Pair;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A trained network's parameters as a safetensors file that PyTorch's {@code load_state_dict} takes: the
 * names of the reference PyTorch code ({@link Models#torchNames}), float32, with the architecture and
 * whatever the caller adds in the file's {@code __metadata__}.
 *
 * <p>DJL's {@code NDList.encode(out, SAFETENSORS)} lays out the tensors; it writes no {@code __metadata__},
 * so its JSON header is read back and written again with that entry added, the tensor bytes untouched.
 */
public final class SafetensorsExport {
  /** The metadata key that names the architecture: a lower-case {@link ModelArch}, e.g. "resnet_18". */
  public static final String ARCH_KEY = "arch";

  private static final String METADATA = "__metadata__";
  private static final Map<String, String> DJL_TO_TORCH = Map.of(
      "weight", "weight", "bias", "bias", "gamma", "weight", "beta", "bias",
      "runningMean", "running_mean", "runningVar", "running_var");
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  private SafetensorsExport() {}

  /**
   * Writes the parameters of {@code block}, an initialised network of {@code arch}, to {@code out}, with
   * {@code metadata} (string values) plus {@value #ARCH_KEY} and "format" ("pt", as PyTorch writers mark
   * their files) in the header.
   */
  public static void write(Block block, ModelArch arch, Map<String, String> metadata, OutputStream out)
      throws IOException {
    ParameterList parameters = block.getParameters();
    List<String> names = Models.torchNames(arch);
    if (parameters.size() != names.size()) {
      throw new IllegalStateException(
          arch + " has " + parameters.size() + " DJL parameters but " + names.size() + " PyTorch names");
    }
    ByteArrayOutputStream encoded = new ByteArrayOutputStream();
    NDManager owner = parameters.get(0).getValue().getArray().getManager();
    try (NDManager scratch = owner.newSubManager(Device.cpu())) {
      NDList named = new NDList(names.size());
      for (int i = 0; i < names.size(); i++) {
        Pair<String, Parameter> parameter = parameters.get(i);
        checkSameKind(parameter.getKey(), names.get(i));
        // A copy, so that naming it for the file leaves the training model's arrays as they were.
        NDArray copy = parameter.getValue().getArray().toDevice(Device.cpu(), true);
        copy.attach(scratch);
        copy.setName(names.get(i));
        named.add(copy);
      }
      named.encode(encoded, NDList.Encoding.SAFETENSORS);
    }
    Map<String, String> withArch = new TreeMap<>(metadata);
    withArch.put(ARCH_KEY, arch.name().toLowerCase(Locale.ROOT));
    withArch.put("format", "pt");
    writeWithMetadata(encoded.toByteArray(), withArch, out);
  }

  /** DJL's and PyTorch's parameter must be the same kind of tensor, or the name lists have drifted apart. */
  private static void checkSameKind(String djlName, String torchName) {
    String djlKind = djlName.substring(djlName.lastIndexOf('_') + 1);
    String expected = DJL_TO_TORCH.get(djlKind);
    if (expected == null || !torchName.endsWith("." + expected)) {
      throw new IllegalStateException(
          "DJL parameter " + djlName + " does not match the PyTorch name " + torchName);
    }
  }

  private static void writeWithMetadata(byte[] encoded, Map<String, String> metadata, OutputStream out)
      throws IOException {
    long headerLength = ByteBuffer.wrap(encoded, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    int dataStart = Math.toIntExact(8 + headerLength);
    JsonObject tensors = JsonParser.parseString(
        new String(encoded, 8, (int) headerLength, StandardCharsets.UTF_8)).getAsJsonObject();
    JsonObject header = new JsonObject();
    JsonObject meta = new JsonObject();
    metadata.forEach(meta::addProperty);
    header.add(METADATA, meta);
    new TreeMap<String, JsonElement>(tensors.asMap()).forEach(header::add);
    byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
    // Padded with spaces so that the tensor data starts 8-byte aligned, as the reference writer does.
    int padded = (json.length + 7) / 8 * 8;
    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
    out.write(json);
    out.write(" ".repeat(padded - json.length).getBytes(StandardCharsets.US_ASCII));
    out.write(encoded, dataStart, encoded.length - dataStart);
  }
}
