package io.ablserve.server.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChannelMaskTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({"SMALL_CNN, 1, 28, 64", "WRN_16_1, 3, 32, 64", "RESNET_18, 3, 16, 512"})
  void allOnesMask_changesNeitherOutputsNorParameterFile_andPruningChangesOutputs(
      ModelArch arch, int channels, int side, int lastStageChannels) throws IOException {
    Block block = Models.create(arch, channels, side, side, 10);
    try (NDManager manager = NDManager.newBaseManager()) {
      block.initialize(manager, DataType.FLOAT32, new Shape(1, channels, side, side));
      ChannelMask mask = ChannelMask.of(block);
      assertThat(mask.channels()).isEqualTo(lastStageChannels);
      assertThat(block.getParameters().size()).isEqualTo(Models.torchNames(arch).size());
      manager.getEngine().setRandomSeed(3);
      NDArray x = manager.randomNormal(new Shape(2, channels, side, side));
      ParameterStore parameters = new ParameterStore(manager, false);

      float[] masked = block.forward(parameters, new NDList(x), false).singletonOrThrow().toFloatArray();
      float[] withoutMask = withoutMask(block, parameters, x);
      assertThat(masked).containsExactly(withoutMask);
      byte[] unpruned = parameterFile(block);

      mask.prune(new int[] {0, 1, 2});
      assertThat(mask.pruned()).containsExactly(0, 1, 2);
      float[] pruned = block.forward(parameters, new NDList(x), false).singletonOrThrow().toFloatArray();
      assertThat(Arrays.equals(pruned, withoutMask)).isFalse();
      // The mask is no parameter: the file a checkpoint or saved model holds is the same either way.
      assertThat(parameterFile(block)).isEqualTo(unpruned);

      mask.prune(new int[0]);
      assertThat(block.forward(parameters, new NDList(x), false).singletonOrThrow().toFloatArray())
          .containsExactly(withoutMask);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"SMALL_CNN, 1, 28"})
  void prune_rejectsAChannelOutOfRange(ModelArch arch, int channels, int side) {
    Block block = Models.create(arch, channels, side, side, 10);
    try (NDManager manager = NDManager.newBaseManager()) {
      block.initialize(manager, DataType.FLOAT32, new Shape(1, channels, side, side));
      assertThatThrownBy(() -> ChannelMask.of(block).prune(new int[] {64}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("channel 64 not in [0, 64)");
    }
  }

  /** The network's output computed block by block, the mask left out. */
  private static float[] withoutMask(Block block, ParameterStore parameters, NDArray x) {
    List<Block> blocks = ((SequentialBlock) block).getChildren().values();
    NDList out = new NDList(x);
    for (Block b : blocks) {
      if (!(b instanceof ChannelMask)) {
        out = b.forward(parameters, out, false);
      }
    }
    return out.singletonOrThrow().toFloatArray();
  }

  private static byte[] parameterFile(Block block) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      block.saveParameters(out);
    }
    return bytes.toByteArray();
  }
}
