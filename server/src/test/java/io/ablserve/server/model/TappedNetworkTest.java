package io.ablserve.server.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The named activations of every network of {@link Models}, on tiny inputs. */
class TappedNetworkTest {
  private static final int SIDE = 8;
  private static final int CLASSES = 10;

  /** The documented taps of each architecture ({@link Taps}) and their shapes on a batch of 2 x 3 x 8 x 8. */
  private static Map<String, Shape> documented(ModelArch arch) {
    Map<String, Shape> taps = new LinkedHashMap<>();
    switch (arch) {
      case SMALL_CNN -> {
        taps.put("conv1", new Shape(2, 32, 4, 4));
        taps.put("conv2", new Shape(2, 64, 2, 2));
        taps.put("last_conv_stage", new Shape(2, 64, 2, 2));
        taps.put("penultimate", new Shape(2, 128));
      }
      case WRN_16_1 -> {
        taps.put("stem", new Shape(2, 16, 8, 8));
        taps.put("group1", new Shape(2, 16, 8, 8));
        taps.put("group2", new Shape(2, 32, 4, 4));
        taps.put("group3", new Shape(2, 64, 2, 2));
        taps.put("last_conv_stage", new Shape(2, 64, 2, 2));
        taps.put("penultimate", new Shape(2, 64));
      }
      case RESNET_18, RESNET_34 -> {
        taps.put("stem", new Shape(2, 64, 8, 8));
        taps.put("stage1", new Shape(2, 64, 8, 8));
        taps.put("stage2", new Shape(2, 128, 4, 4));
        taps.put("stage3", new Shape(2, 256, 2, 2));
        taps.put("stage4", new Shape(2, 512, 1, 1));
        taps.put("last_conv_stage", new Shape(2, 512, 1, 1));
        taps.put("penultimate", new Shape(2, 512));
      }
    }
    taps.put("logits", new Shape(2, CLASSES));
    return taps;
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ModelArch.class)
  void taps_haveTheDocumentedNamesAndShapes_andTheLogitsAreTheNetworksOutput(ModelArch arch) {
    TappedNetwork network = TappedNetwork.of(Models.create(arch, 3, SIDE, SIDE, CLASSES));
    Map<String, Shape> expected = documented(arch);
    assertThat(network.taps()).containsExactlyElementsOf(expected.keySet());
    assertThat(Taps.of(arch)).isEqualTo(network.taps());
    assertThat(Taps.convolutional(arch))
        .isEqualTo(network.taps().subList(0, network.taps().indexOf(Taps.LAST_CONV_STAGE) + 1));
    assertThat(network.arch()).isEqualTo(arch);
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      network.initialize(manager, DataType.FLOAT32, new Shape(1, 3, SIDE, SIDE));
      manager.getEngine().setRandomSeed(5);
      NDArray x = manager.randomNormal(new Shape(2, 3, SIDE, SIDE));
      ParameterStore parameters = new ParameterStore(manager, false);

      Map<String, NDArray> all = network.activations(parameters, x, false, network.taps());
      assertThat(all.keySet()).containsExactlyElementsOf(expected.keySet());
      all.forEach((name, a) -> assertThat(a.getShape()).as(name).isEqualTo(expected.get(name)));
      float[] logits = network.forward(parameters, new NDList(x), false).singletonOrThrow().toFloatArray();
      assertThat(all.get(Taps.LOGITS).toFloatArray()).containsExactly(logits);
      // The pass resumed after a tap ends where the whole pass does.
      for (String tap : List.of(Taps.LAST_CONV_STAGE, Taps.PENULTIMATE)) {
        assertThat(network.forwardAfter(parameters, tap, all.get(tap), false).toFloatArray())
            .as(tap).containsExactly(logits);
      }
    }
  }

  @Test
  void activations_ofANameTheNetworkLacks_failListingItsTaps() {
    TappedNetwork network = TappedNetwork.of(Models.create(ModelArch.WRN_16_1, 3, SIDE, SIDE, CLASSES));
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      network.initialize(manager, DataType.FLOAT32, new Shape(1, 3, SIDE, SIDE));
      NDArray x = manager.zeros(new Shape(1, 3, SIDE, SIDE));
      assertThatThrownBy(
              () -> network.activations(new ParameterStore(manager, false), x, false, List.of("group2", "stage3")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "WRN_16_1 has no tap 'stage3'; its taps are stem, group1, group2, group3, last_conv_stage,"
                  + " penultimate, logits");
    }
    assertThatThrownBy(() -> network.indexOf("conv1")).hasMessageContaining("WRN_16_1 has no tap 'conv1'");
    assertThatThrownBy(() -> TappedNetwork.of(new SequentialBlock()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("names no taps");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ModelArch.class)
  void lastConvStage_isWhatTheChannelMaskOutputs_prunedChannelsAndAll(ModelArch arch) {
    TappedNetwork network = TappedNetwork.of(Models.create(arch, 3, SIDE, SIDE, CLASSES));
    int at = ChannelMask.indexIn(network);
    assertThat(network.indexOf(Taps.LAST_CONV_STAGE)).isEqualTo(at);
    assertThat(network.blockOf(Taps.LAST_CONV_STAGE)).isSameAs(ChannelMask.of(network));
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      network.initialize(manager, DataType.FLOAT32, new Shape(1, 3, SIDE, SIDE));
      manager.getEngine().setRandomSeed(7);
      NDArray x = manager.randomNormal(new Shape(2, 3, SIDE, SIDE));
      ParameterStore parameters = new ParameterStore(manager, false);
      ChannelMask.of(network).prune(new int[] {0, 2, 5});

      NDList h = new NDList(x);
      List<Block> blocks = network.getChildren().values();
      for (int i = 0; i <= at; i++) {
        h = blocks.get(i).forward(parameters, h, false);
      }
      NDArray stage =
          network.activations(parameters, x, false, List.of(Taps.LAST_CONV_STAGE)).get(Taps.LAST_CONV_STAGE);
      assertThat(stage.toFloatArray()).containsExactly(h.singletonOrThrow().toFloatArray());
      assertThat(stage.get(":, 2").abs().sum().getFloat()).isZero();
      ChannelMask.of(network).prune(new int[0]);
    }
  }

  @Test
  void activations_stopAtTheDeepestTapAskedFor_withTheParametersGiven() {
    TappedNetwork network = TappedNetwork.of(Models.create(ModelArch.SMALL_CNN, 3, SIDE, SIDE, CLASSES));
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      network.initialize(manager, DataType.FLOAT32, new Shape(1, 3, SIDE, SIDE));
      Set<Parameter> asked = new HashSet<>();
      ParameterStore recording =
          new ParameterStore(manager, false) {
            @Override
            public NDArray getValue(Parameter parameter, Device device, boolean training) {
              asked.add(parameter);
              return super.getValue(parameter, device, training);
            }
          };
      NDArray x = manager.ones(new Shape(2, 3, SIDE, SIDE));

      Map<String, NDArray> out = network.activations(recording, x, true, List.of("conv2", "conv1"));
      assertThat(out.keySet()).containsExactly("conv1", "conv2");
      List<Parameter> classifier =
          network.getChildren().values().stream().filter(Linear.class::isInstance)
              .flatMap(b -> b.getParameters().values().stream()).toList();
      assertThat(classifier).isNotEmpty();
      assertThat(asked).isNotEmpty().doesNotContainAnyElementsOf(classifier);

      network.activations(recording, x, false, List.of(Taps.LOGITS));
      assertThat(asked).containsAll(classifier);
    }
  }
}
