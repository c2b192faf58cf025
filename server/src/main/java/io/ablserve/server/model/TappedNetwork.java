package io.ablserve.server.model;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * A network of {@link Models}: a sequence of top-level blocks, some of whose outputs are named {@link Taps}.
 * A defence asks for an intermediate activation by its name and gets it from the same pass its other
 * figures come from, in training or eval mode and with any {@link ParameterStore} (NAD runs its frozen
 * teacher through the student's blocks with the teacher's weights). The names are kept beside the blocks, not
 * as the blocks' own names, so parameter files and checkpoints stay those of a plain sequence.
 */
public final class TappedNetwork extends SequentialBlock {
  private final ModelArch arch;
  /** Each tap's position among the top-level blocks, shallowest first. */
  private final Map<String, Integer> taps = new LinkedHashMap<>();

  TappedNetwork(ModelArch arch) {
    this.arch = requireNonNull(arch, "arch");
  }

  /** The architecture this network is one of. */
  public ModelArch arch() {
    return arch;
  }

  @Override
  public TappedNetwork add(Block block) {
    super.add(block);
    return this;
  }

  @Override
  public TappedNetwork addAll(Block... blocks) {
    super.addAll(blocks);
    return this;
  }

  /** Refused: the taps name positions in the sequence, which removing a block would shift. */
  @Override
  public void removeLastBlock() {
    throw new UnsupportedOperationException("a tapped network's blocks are fixed once built");
  }

  /** Names the output of the block added last. */
  TappedNetwork tap(String name) {
    if (getChildren().isEmpty() || taps.containsKey(name)) {
      throw new IllegalStateException("tap '" + name + "' needs a block of its own, once");
    }
    taps.put(name, getChildren().size() - 1);
    return this;
  }

  /** The network's taps, shallowest first. */
  public List<String> taps() {
    return List.copyOf(taps.keySet());
  }

  /**
   * The position among the top-level blocks of the one whose output is {@code tap}. IllegalArgumentException,
   * listing the taps the network has, for a name it lacks.
   */
  public int indexOf(String tap) {
    Integer index = taps.get(tap);
    if (index == null) {
      throw new IllegalArgumentException(
          arch + " has no tap '" + tap + "'; its taps are " + String.join(", ", taps.keySet()));
    }
    return index;
  }

  /** The top-level block whose output is {@code tap} ({@link #indexOf}). */
  public Block blockOf(String tap) {
    return getChildren().get(indexOf(tap)).getValue();
  }

  /**
   * The activations at {@code names} for the input batch {@code x}, in network order: the blocks run in
   * order, each with {@code parameters}, and stop at the deepest tap asked for, so the logits are computed
   * only when {@link Taps#LOGITS} is among them. IllegalArgumentException for a name the network lacks.
   */
  public Map<String, NDArray> activations(
      ParameterStore parameters, NDArray x, boolean training, Collection<String> names) {
    return activations(parameters, x, training, names, (name, activation) -> activation);
  }

  /**
   * As {@link #activations(ParameterStore, NDArray, boolean, Collection)}, each activation replaced by what
   * {@code reading} makes of it, read as soon as the pass reaches it. Where gradients flow, a reading taken
   * then joins the autograd graph in the order the layers run, and that order fixes the order in which a
   * layer's gradients from its several readers are summed: read after the pass, the sums round differently.
   */
  public Map<String, NDArray> activations(
      ParameterStore parameters, NDArray x, boolean training, Collection<String> names,
      BiFunction<String, NDArray, NDArray> reading) {
    for (String name : names) {
      indexOf(name);
    }
    List<String> wanted = taps.keySet().stream().filter(names::contains).toList();
    Map<String, NDArray> out = new LinkedHashMap<>();
    if (wanted.isEmpty()) {
      return out;
    }
    List<Block> blocks = getChildren().values();
    int deepest = taps.get(wanted.get(wanted.size() - 1));
    int next = 0;
    NDList h = new NDList(x);
    for (int i = 0; i <= deepest; i++) {
      h = blocks.get(i).forward(parameters, h, training);
      while (next < wanted.size() && taps.get(wanted.get(next)) == i) {
        String name = wanted.get(next++);
        out.put(name, reading.apply(name, h.singletonOrThrow()));
      }
    }
    return out;
  }

  /**
   * The logits from {@code activation} taken as the output of {@code tap}: the blocks after it run on it,
   * so a defence that changes one of them (a pruned {@link ChannelMask}) re-runs only what follows.
   */
  public NDArray forwardAfter(ParameterStore parameters, String tap, NDArray activation, boolean training) {
    List<Block> blocks = getChildren().values();
    NDList h = new NDList(activation);
    for (int i = indexOf(tap) + 1; i < blocks.size(); i++) {
      h = blocks.get(i).forward(parameters, h, training);
    }
    return h.singletonOrThrow();
  }

  /** {@code network} as the tapped network it is; IllegalArgumentException for one {@link Models} did not build. */
  public static TappedNetwork of(Block network) {
    if (network instanceof TappedNetwork tapped) {
      return tapped;
    }
    throw new IllegalArgumentException(
        "the network names no taps: build it with Models.create, got " + network.getClass().getSimpleName());
  }
}
