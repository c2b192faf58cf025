package io.ablserve.server.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Multiplies each channel of an NCHW activation by 0 or 1: the hook a pruning defence sets, placed after the
 * last convolutional stage of every network of {@link Models} (its output, {@link #LAST_CONV_STAGE}, is what
 * fine-pruning ranks). All ones, as built, it passes its input through untouched. It holds no parameters and
 * writes nothing to a parameter file, so a network with it saves, loads and exports ({@link
 * SafetensorsExport}) exactly as one without; a defence that prunes keeps the mask in its own checkpoint
 * state.
 */
public final class ChannelMask extends AbstractBlock {
  /** What the mask's output is: the activations of the network's last convolutional stage. */
  public static final String LAST_CONV_STAGE = "last_conv_stage";

  /** Which channels are pruned; null until the block learns its channel count, then all false. */
  private boolean[] pruned;
  private int prunedCount;

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
    if (prunedCount == 0) {
      return inputs;
    }
    NDArray x = inputs.singletonOrThrow();
    float[] keep = new float[pruned.length];
    for (int c = 0; c < keep.length; c++) {
      keep[c] = pruned[c] ? 0f : 1f;
    }
    NDArray mask =
        x.getManager().create(keep).reshape(1, keep.length, 1, 1).toDevice(x.getDevice(), false);
    return new NDList(x.mul(mask));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }

  @Override
  protected void beforeInitialize(Shape... inputShapes) {
    super.beforeInitialize(inputShapes);
    if (inputShapes[0].dimension() != 4) {
      throw new IllegalArgumentException("a channel mask takes NCHW input, got " + inputShapes[0]);
    }
    int channels = Math.toIntExact(inputShapes[0].get(1));
    if (pruned == null || pruned.length != channels) {
      pruned = new boolean[channels];
      prunedCount = 0;
    }
  }

  /** The channel count; IllegalStateException before the network is initialised. */
  public int channels() {
    if (pruned == null) {
      throw new IllegalStateException("the channel mask learns its width when the network is initialised");
    }
    return pruned.length;
  }

  /** Prunes exactly {@code channels} (indices in [0, channels())), unpruning every other one. */
  public void prune(int[] channels) {
    boolean[] next = new boolean[channels()];
    for (int c : channels) {
      if (c < 0 || c >= next.length) {
        throw new IllegalArgumentException("channel " + c + " not in [0, " + next.length + ")");
      }
      next[c] = true;
    }
    pruned = next;
    prunedCount = pruned().length;
  }

  /** The pruned channels, ascending; empty for the all-ones mask. */
  public int[] pruned() {
    if (pruned == null) {
      return new int[0];
    }
    return IntStream.range(0, pruned.length).filter(c -> pruned[c]).toArray();
  }

  /** Writes nothing: the mask is no parameter, and parameter files stay those of the network without it. */
  @Override
  public void saveParameters(DataOutputStream os) {}

  /** Reads nothing, as {@link #saveParameters} writes nothing. */
  @Override
  public void loadParameters(NDManager manager, DataInputStream is) {}

  /**
   * The position of the mask among {@code network}'s top-level blocks: the blocks before it and it compute
   * the last convolutional stage's (masked) output, those after it the classifier. IllegalArgumentException
   * for a network without one.
   */
  public static int indexIn(Block network) {
    if (network instanceof SequentialBlock sequence) {
      Block[] blocks = sequence.getChildren().values().toArray(Block[]::new);
      for (int i = 0; i < blocks.length; i++) {
        if (blocks[i] instanceof ChannelMask) {
          return i;
        }
      }
    }
    throw new IllegalArgumentException("the network has no channel mask after its last convolutional stage");
  }

  /** The mask of {@code network} ({@link #indexIn}). */
  public static ChannelMask of(Block network) {
    return (ChannelMask) network.getChildren().values().get(indexIn(network));
  }

  @Override
  public String toString() {
    return "ChannelMask(pruned=" + Arrays.toString(pruned()) + ")";
  }
}
