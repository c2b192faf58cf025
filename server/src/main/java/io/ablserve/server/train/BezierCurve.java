package io.ablserve.server.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Random;

/**
 * MCR's curve (Zhao et al., ICLR 2020): the quadratic Bezier curve phi(t) = (1-t)^2 w_A + 2t(1-t) theta +
 * t^2 w_B between two networks' weights w_A and w_B, bent by a middle point theta that training moves. As an
 * epoch's {@link Epochs.Forward}, each step draws t uniformly from [0, 1], writes phi(t) into the model's
 * parameters and runs the model there; the optimizer then applies the step's gradient at phi(t), times
 * dphi/dtheta = 2t(1-t), to theta in the model's place, the endpoints fixed. After an epoch's steps the
 * model is set to the picked point, its BatchNorm statistics recomputed, for the epoch's evaluation.
 *
 * <p>The three sets of weights live on sub-managers of the trainer's that {@link #close} frees.
 */
final class BezierCurve implements Epochs.Forward, AutoCloseable {
  private final Trainer trainer;
  private final NetworkWeights start;
  private final NetworkWeights middle;
  private final NetworkWeights end;
  private final List<Parameter> parameters;
  private final double point;
  private final BatchNormStatistics statistics;
  private Random random = new Random(0);
  private double t;

  private BezierCurve(
      Trainer trainer, NetworkWeights start, NetworkWeights middle, NetworkWeights end, double point,
      BatchNormStatistics statistics) {
    this.trainer = trainer;
    this.start = start;
    this.middle = middle;
    this.end = end;
    this.parameters = parameters(trainer.getModel().getBlock());
    this.point = point;
    this.statistics = statistics;
  }

  /**
   * The curve from {@code start}, whose weights it takes over, to the model's weights as they are now, with
   * theta at their mean; it ends each epoch at {@code point}, with {@code statistics} recomputed.
   */
  static BezierCurve toModel(
      Trainer trainer, NetworkWeights start, double point, BatchNormStatistics statistics) {
    Block block = trainer.getModel().getBlock();
    NetworkWeights end = NetworkWeights.copyOf(block, trainer.getManager());
    NetworkWeights middle = NetworkWeights.copyOf(block, trainer.getManager());
    Evaluator.withoutGradients(
        () -> {
          for (Parameter p : parameters(block)) {
            middle.get(p).addi(start.get(p)).muli(0.5f);
          }
        });
    return new BezierCurve(trainer, start, middle, end, point, statistics);
  }

  /** A curve {@link #encode} wrote. */
  static BezierCurve decode(Trainer trainer, byte[] encoded, double point, BatchNormStatistics statistics) {
    Block block = trainer.getModel().getBlock();
    NDManager parent = trainer.getManager();
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
      NetworkWeights start = NetworkWeights.decode(block, in.readNBytes(in.readInt()), parent);
      NetworkWeights middle = NetworkWeights.decode(block, in.readNBytes(in.readInt()), parent);
      NetworkWeights end = NetworkWeights.decode(block, in.readNBytes(in.readInt()), parent);
      return new BezierCurve(trainer, start, middle, end, point, statistics);
    } catch (IOException e) {
      throw new UncheckedIOException("a checkpoint's curve is truncated", e);
    }
  }

  /** The endpoints and theta, each in {@link NetworkWeights#encode}'s form, length-prefixed. */
  byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      for (NetworkWeights weights : List.of(start, middle, end)) {
        byte[] encoded = weights.encode();
        out.writeInt(encoded.length);
        out.write(encoded);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Draws the t of the epoch's steps from a generator seeded with {@code seed}. */
  void beginEpoch(long seed) {
    random = new Random(seed);
  }

  @Override
  public NDList apply(NDArray x) {
    t = random.nextDouble();
    moveTo(t);
    return trainer.forward(new NDList(x));
  }

  /**
   * Updates theta's array for {@code parameter} from the model's gradient at phi(t), scaled by 2t(1-t), and
   * zeroes the model's gradient: the native update zeroes only the gradient it is handed, here the scaled
   * copy, and the model's would otherwise accumulate over the steps.
   */
  @Override
  public void update(Optimizer optimizer, Parameter parameter, NDArray gradient) {
    try (NDArray scaled = gradient.mul((float) (2 * t * (1 - t)))) {
      optimizer.update(parameter.getId(), middle.get(parameter), scaled);
    }
    gradient.subi(gradient);
  }

  @Override
  public void beforeEvaluation() {
    settle();
  }

  /** Sets the model to the picked point and recomputes its BatchNorm statistics there. */
  void settle() {
    moveTo(point);
    statistics.recompute();
  }

  /**
   * Writes phi(t) into the model's own arrays, BatchNorm's running statistics included (mixed as the rest,
   * so they are the endpoints' own at t = 0 and 1, and only {@link #settle} makes them right between).
   */
  void moveTo(double t) {
    float a = (float) ((1 - t) * (1 - t));
    float m = (float) (2 * t * (1 - t));
    float b = (float) (t * t);
    Evaluator.withoutGradients(
        () -> {
          for (Parameter p : parameters) {
            try (NDArray fromStart = start.get(p).mul(a);
                NDArray fromMiddle = middle.get(p).mul(m);
                NDArray fromEnd = end.get(p).mul(b)) {
              p.getArray().muli(0f).addi(fromStart).addi(fromMiddle).addi(fromEnd);
            }
          }
        });
  }

  /** Theta's array for {@code parameter}, for tests. */
  NDArray middle(Parameter parameter) {
    return middle.get(parameter);
  }

  @Override
  public void close() {
    start.close();
    middle.close();
    end.close();
  }

  private static List<Parameter> parameters(Block block) {
    return block.getParameters().stream().map(Pair::getValue).toList();
  }
}
