package io.ablserve.server.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import io.ablserve.server.model.ChannelMask;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * NAD's training step (Li et al., ICLR 2021): the student's forward pass in training mode, and beside it
 * the frozen teacher's in eval mode without gradients, through the same block with the teacher's {@link
 * NetworkWeights}; the step adds beta times the batch's mean {@link #distance} between their {@link
 * #attention} maps at the distilled layers to its cross-entropy. The distilled layers are the last
 * convolutional stage's output (the {@link ChannelMask}'s) and the output of the stage before it: the last
 * block before the mask whose output differs from the mask's in both width and size (WRN's second group,
 * ResNet's third stage, the small CNN's first conv block), as the paper distils its WRN's last groups.
 */
final class AttentionDistillation implements Epochs.Forward {
  /** Keeps a map of all-zero activations finite when it is scaled to unit norm (the NAD code's 1e-6). */
  static final float EPSILON = 1e-6f;

  private final List<Block> blocks;
  private final int[] layers;
  private final float beta;
  private final ParameterStore student;
  private final ParameterStore teacher;

  /**
   * The distillation of {@code trainer}'s model towards {@code teacher}'s weights with weight {@code beta};
   * {@code input} is the shape of one input (batch axis first, any size).
   */
  AttentionDistillation(Trainer trainer, NetworkWeights teacher, double beta, Shape input) {
    Block network = trainer.getModel().getBlock();
    this.blocks = network.getChildren().values();
    this.layers = layers(blocks, ChannelMask.indexIn(network), input);
    this.beta = (float) beta;
    this.student = new ParameterStore(trainer.getManager(), false);
    this.teacher =
        new ParameterStore(trainer.getManager(), false) {
          @Override
          public NDArray getValue(Parameter parameter, Device device, boolean training) {
            // A block asks for an absent parameter too (a convolution's bias when it has none): null, as DJL's.
            return parameter == null ? null : teacher.get(parameter);
          }
        };
  }

  /** The distilled layers: indices of the blocks whose outputs are compared, earliest first. */
  int[] layers() {
    return layers.clone();
  }

  @Override
  public NDList apply(NDArray x) {
    List<NDArray> teacherMaps = new ArrayList<>();
    int deepest = layers[layers.length - 1];
    Evaluator.withoutGradients(
        () -> {
          NDList h = new NDList(x);
          for (int i = 0; i <= deepest; i++) {
            h = blocks.get(i).forward(teacher, h, false);
            if (Arrays.binarySearch(layers, i) >= 0) {
              teacherMaps.add(attention(h.singletonOrThrow()));
            }
          }
        });
    List<NDArray> studentMaps = new ArrayList<>();
    NDList h = new NDList(x);
    for (int i = 0; i < blocks.size(); i++) {
      h = blocks.get(i).forward(student, h, true);
      if (Arrays.binarySearch(layers, i) >= 0) {
        studentMaps.add(attention(h.singletonOrThrow()));
      }
    }
    return new NDList(h.singletonOrThrow(), distance(studentMaps, teacherMaps).mean().mul(beta));
  }

  /**
   * The attention map of an NCHW activation A: the channel mean of |A|^2 at each position, flattened per
   * sample and scaled to unit L2 norm, (N, H * W).
   */
  static NDArray attention(NDArray activation) {
    long n = activation.getShape().get(0);
    NDArray map = activation.square().mean(new int[] {1}).reshape(n, -1);
    return map.div(map.norm(new int[] {1}, true).add(EPSILON));
  }

  /**
   * Each sample's sum over the layers of the L2 distance between the student's and the teacher's attention
   * maps, (N). The square root is taken of the squared distance plus 1e-12, whose gradient stays finite
   * where the maps agree exactly.
   */
  static NDArray distance(List<NDArray> student, List<NDArray> teacher) {
    NDArray sum = null;
    for (int i = 0; i < student.size(); i++) {
      NDArray d = student.get(i).sub(teacher.get(i)).square().sum(new int[] {1}).add(1e-12f).sqrt();
      sum = sum == null ? d : sum.add(d);
    }
    return sum;
  }

  /** The mask's index and the last block before it whose output differs from its in width and size. */
  private static int[] layers(List<Block> blocks, int mask, Shape input) {
    Shape[] shapes = new Shape[mask + 1];
    Shape[] current = {input};
    for (int i = 0; i <= mask; i++) {
      current = blocks.get(i).getOutputShapes(current);
      shapes[i] = current[0];
    }
    Shape last = shapes[mask];
    for (int i = mask - 1; i >= 0; i--) {
      Shape s = shapes[i];
      if (s.dimension() == 4 && s.get(1) != last.get(1) && s.get(2) != last.get(2)) {
        return new int[] {i, mask};
      }
    }
    return new int[] {mask};
  }
}
