package io.ablserve.server.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SafetensorsExportTest {
  /**
   * Some tensors of each network, by the names and shapes PyTorch's reference modules give them, and the
   * tensor count without BatchNorm's num_batches_tracked (kuangliu's ResNet-18 state_dict has 122 with it).
   */
  @ParameterizedTest(name = "{0} on {1}x{2}x{2}")
  @CsvSource(delimiter = ';', value = {
    "SMALL_CNN; 1; 28; 14; conv1.weight=32x1x3x3 bn1.running_mean=32 bn2.bias=64 conv2.weight=64x32x3x3"
        + " fc1.weight=128x3136 fc1.bias=128 fc2.weight=10x128; block1.layer.0.conv1.weight",
    "WRN_16_1; 3; 32; 69; conv1.weight=16x3x3x3 block1.layer.0.bn1.weight=16"
        + " block1.layer.0.conv1.weight=16x16x3x3 block2.layer.0.convShortcut.weight=32x16x1x1"
        + " block3.layer.1.conv2.weight=64x64x3x3 bn1.running_var=64 fc.weight=10x64 fc.bias=10;"
        + " block1.layer.0.convShortcut.weight",
    "RESNET_18; 3; 32; 102; conv1.weight=64x3x3x3 bn1.weight=64 layer1.0.conv1.weight=64x64x3x3"
        + " layer2.0.shortcut.0.weight=128x64x1x1 layer2.0.shortcut.1.running_var=128"
        + " layer4.1.bn2.bias=512 linear.weight=10x512; layer1.0.shortcut.0.weight",
    "RESNET_34; 1; 28; 182; layer3.5.conv2.weight=256x256x3x3 layer4.2.bn2.running_mean=512"
        + " linear.bias=10; layer4.3.conv1.weight"
  })
  void export_namesTensorsAsPyTorchAndDescribesTheNetwork(
      ModelArch arch, int channels, int side, int count, String expected, String absent)
      throws IOException {
    Block block = Models.create(arch, channels, side, side, 10);
    try (NDManager manager = NDManager.newBaseManager()) {
      block.initialize(manager, DataType.FLOAT32, new Shape(1, channels, side, side));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      SafetensorsExport.write(block, arch, Map.of("num_classes", "10"), out);
      byte[] file = out.toByteArray();

      long headerLength = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
      assertThat(headerLength % 8).as("data 8-byte aligned").isZero();
      JsonObject header = JsonParser.parseString(
          new String(file, 8, (int) headerLength, StandardCharsets.UTF_8)).getAsJsonObject();
      JsonObject metadata = header.remove("__metadata__").getAsJsonObject();
      assertThat(metadata.get("arch").getAsString()).isEqualTo(arch.name().toLowerCase());
      assertThat(metadata.get("format").getAsString()).isEqualTo("pt");
      assertThat(metadata.get("num_classes").getAsString()).isEqualTo("10");

      assertThat(header.keySet()).hasSize(count).containsExactlyInAnyOrderElementsOf(Models.torchNames(arch))
          .doesNotContain(absent.strip());
      Map<String, String> shapes = new LinkedHashMap<>();
      for (String entry : expected.split(" ")) {
        String[] nameShape = entry.split("=");
        shapes.put(nameShape[0], nameShape[1]);
      }
      shapes.forEach((name, shape) ->
          assertThat(shapeOf(header.getAsJsonObject(name))).as(name).isEqualTo(shape));

      // Every tensor is float32, in the data section in the order DJL lists the parameters, and holds
      // exactly that parameter's values.
      long dataStart = 8 + headerLength;
      long offset = 0;
      List<String> names = Models.torchNames(arch);
      List<float[]> values = new ArrayList<>();
      block.getParameters().values().forEach(p -> values.add(p.getArray().toFloatArray()));
      for (int i = 0; i < names.size(); i++) {
        JsonObject tensor = header.getAsJsonObject(names.get(i));
        assertThat(tensor.get("dtype").getAsString()).isEqualTo("F32");
        JsonArray offsets = tensor.getAsJsonArray("data_offsets");
        assertThat(offsets.get(0).getAsLong()).as(names.get(i)).isEqualTo(offset);
        offset = offsets.get(1).getAsLong();
        float[] stored = new float[values.get(i).length];
        ByteBuffer.wrap(file, (int) (dataStart + offsets.get(0).getAsLong()), stored.length * 4)
            .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(stored);
        // Arrays.equals, not containsExactly: AssertJ's array diff is quadratic in ResNet's 2.4M-value layers.
        assertThat(Arrays.equals(stored, values.get(i))).as(names.get(i)).isTrue();
      }
      assertThat(dataStart + offset).isEqualTo(file.length);
    }
  }

  private static String shapeOf(JsonObject tensor) {
    List<String> dims = new ArrayList<>();
    for (JsonElement dim : tensor.getAsJsonArray("shape")) {
      dims.add(dim.getAsString());
    }
    return String.join("x", dims);
  }
}
