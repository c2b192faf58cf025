package io.ablserve.server.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import io.ablserve.server.model.TappedNetwork;
import io.ablserve.server.model.Taps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * NAD's training step (Li et al., ICLR 2021): the student's forward pass in training mode, and beside it
 * the frozen teacher's in eval mode without gradients, through the same block with the teacher's {@link
 * NetworkWeights}; the step adds beta times the batch's mean {@link #distance} between their {@link
 * #attention} maps at the distilled layers to its cross-entropy. The layers are named {@link Taps} of the
 * network's architecture, by default {@link FineTuning#defaultDistilledLayers}: the last convolutional
 * stage's output and the stage before it, as the paper distils its WRN's last groups.
 */
final class AttentionDistillation implements Epochs.Forward {
  /** Keeps a map of all-zero activations finite when it is scaled to unit norm (the NAD code's 1e-6). */
  static final float EPSILON = 1e-6f;

  private final TappedNetwork network;
  /** The distilled layers, shallowest first: the distances are summed in this order. */
  private final List<String> layers;
  /** The layers and the logits: what the student's pass returns. */
  private final List<String> studentTaps;
  private final float beta;
  private final ParameterStore student;
  private final ParameterStore teacher;

  /** The distillation at the architecture's default layers ({@link FineTuning#defaultDistilledLayers}). */
  AttentionDistillation(Trainer trainer, NetworkWeights teacher, double beta, Shape input) {
    this(trainer, teacher, beta, List.of(), input);
  }

  /**
   * The distillation of {@code trainer}'s model towards {@code teacher}'s weights with weight {@code beta}
   * at the named {@code layers} (empty for the architecture's default); {@code input} is the shape of one
   * input (batch axis first, any size), at which every layer must have an NCHW output.
   */
  AttentionDistillation(
      Trainer trainer, NetworkWeights teacher, double beta, List<String> layers, Shape input) {
    this.network = TappedNetwork.of(trainer.getModel().getBlock());
    List<String> named = layers.isEmpty() ? FineTuning.defaultDistilledLayers(network.arch()) : layers;
    for (String layer : named) {
      checkSpatial(layer, input);
    }
    this.layers = network.taps().stream().filter(named::contains).toList();
    this.studentTaps = new ArrayList<>(this.layers);
    studentTaps.add(Taps.LOGITS);
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

  /** The distilled layers: indices of the top-level blocks whose outputs are compared, earliest first. */
  int[] layers() {
    return layers.stream().mapToInt(network::indexOf).toArray();
  }

  @Override
  public NDList apply(NDArray x) {
    List<NDArray> teacherMaps = new ArrayList<>();
    Evaluator.withoutGradients(
        () -> teacherMaps.addAll(
            network.activations(teacher, x, false, layers, (l, a) -> attention(a)).values()));
    // Each map is taken as the pass reaches its layer: where a layer has more than one reader after it
    // (ResNet's stage3 feeds both paths of the next block), its gradients then sum in the order they did
    // before the layers had names; maps taken after the pass changed ResNet's weights in the last bits.
    Map<String, NDArray> out =
        network.activations(
            student, x, true, studentTaps, (l, a) -> l.equals(Taps.LOGITS) ? a : attention(a));
    List<NDArray> studentMaps = layers.stream().map(out::get).toList();
    return new NDList(out.get(Taps.LOGITS), distance(studentMaps, teacherMaps).mean().mul(beta));
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

  /** IllegalArgumentException unless {@code layer} is a tap with an NCHW output at {@code input}. */
  private void checkSpatial(String layer, Shape input) {
    List<Block> blocks = network.getChildren().values();
    Shape[] current = {input};
    for (int i = 0; i <= network.indexOf(layer); i++) {
      current = blocks.get(i).getOutputShapes(current);
    }
    if (current[0].dimension() != 4) {
      throw new IllegalArgumentException(
          "attention distillation compares NCHW activations; " + network.arch() + "'s '" + layer + "' is "
              + current[0]);
    }
  }
}
