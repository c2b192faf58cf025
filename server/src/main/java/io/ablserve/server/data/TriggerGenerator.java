package io.ablserve.server.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One of the dynamic attack's generators, a small convolutional encoder-decoder in the paper's shape at a
 * fraction of its width: conv3x3(16)-ReLU, max-pool 2, conv3x3(32)-ReLU, nearest upsampling back to the input
 * size, conv3x3(16)-ReLU, conv3x3(out), then {@code (tanh + 1) / 2} so outputs lie in the pixel range
 * [0, 1]. Its arrays live in the manager it is made with and close with it; Adam trains it.
 */
final class TriggerGenerator {
  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;
  private static final float ADAM_EPSILON = 1e-8f;
  private static final int[] WIDTHS = {16, 32, 16};

  private final List<NDArray> weights = new ArrayList<>();
  private final List<NDArray> firstMoments = new ArrayList<>();
  private final List<NDArray> secondMoments = new ArrayList<>();
  private int steps;

  /** A generator of {@code out} channels from {@code values} ({@link #values}'s layout), in {@code manager}. */
  TriggerGenerator(NDManager manager, int in, int out, float[][] values) {
    List<Shape> shapes = shapes(in, out);
    if (values.length != shapes.size()) {
      throw new IllegalArgumentException(values.length + " weight arrays for " + shapes.size());
    }
    for (int k = 0; k < values.length; k++) {
      weights.add(manager.create(values[k], shapes.get(k)));
    }
  }

  /**
   * Initial values: He-uniform kernels ({@code U(-b, b)}, {@code b = sqrt(6 / fan_in)}), zero biases. Wider
   * than PyTorch's default, so different images get clearly different outputs from the first step: from
   * near-identical outputs the diversity loss's ratio starts near 100 and its gradient drowns the
   * classifier's for the few epochs trained here.
   */
  static float[][] initialValues(int in, int out, Random rng) {
    List<Shape> shapes = shapes(in, out);
    float[][] values = new float[shapes.size()][];
    for (int k = 0; k < shapes.size(); k += 2) {
      Shape kernel = shapes.get(k);
      values[k] = uniform((int) kernel.size(), Math.sqrt(6.0 / (kernel.size() / kernel.get(0))), rng);
      values[k + 1] = new float[(int) shapes.get(k + 1).size()];
    }
    return values;
  }

  /** The output for {@code x} ({@code N x in x H x W}, {@code pixel / 255}): {@code N x out x H x W}. */
  NDArray forward(NDArray x) {
    long n = x.getShape().get(0);
    long h = x.getShape().get(2);
    long w = x.getShape().get(3);
    NDArray a = Activation.relu(conv(x, 0));
    a = Pool.maxPool2d(a, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), true);
    a = Activation.relu(conv(a, 1));
    Shape s = a.getShape();
    a = a.reshape(n, s.get(1), s.get(2), 1, s.get(3), 1)
        .broadcast(n, s.get(1), s.get(2), 2, s.get(3), 2)
        .reshape(n, s.get(1), s.get(2) * 2, s.get(3) * 2)
        .get(new NDIndex(":, :, :{}, :{}", h, w));
    a = Activation.relu(conv(a, 2));
    return conv(a, 3).tanh().add(1).div(2);
  }

  /** Turns gradients on for training. */
  void trainable() {
    weights.forEach(weight -> weight.setRequiresGradient(true));
  }

  /**
   * One Adam step of {@code learningRate} on the gradients of the last backward pass, which it then zeroes;
   * gradient mode off.
   */
  void adamStep(float learningRate) {
    JniUtils.setGradMode(false);
    if (firstMoments.isEmpty()) {
      for (NDArray weight : weights) {
        firstMoments.add(weight.zerosLike());
        secondMoments.add(weight.zerosLike());
      }
    }
    steps++;
    float correction1 = 1 - (float) Math.pow(BETA1, steps);
    float correction2 = 1 - (float) Math.pow(BETA2, steps);
    for (int k = 0; k < weights.size(); k++) {
      NDArray weight = weights.get(k);
      NDArray m = firstMoments.get(k);
      NDArray v = secondMoments.get(k);
      try (NDArray gradient = weight.getGradient()) {
        try (NDArray scaled = gradient.mul(1 - BETA1)) {
          m.muli(BETA1).addi(scaled);
        }
        try (NDArray squared = gradient.square()) {
          v.muli(BETA2).addi(squared.muli(1 - BETA2));
        }
        try (NDArray corrected = v.div(correction2);
            NDArray denominator = corrected.sqrt();
            NDArray update = m.div(correction1)) {
          denominator.addi(ADAM_EPSILON);
          weight.subi(update.divi(denominator).muli(learningRate));
        }
        gradient.subi(gradient);
      }
    }
  }

  /** Ends training: moments freed, weights no longer need gradients. */
  void freeze() {
    firstMoments.forEach(NDArray::close);
    secondMoments.forEach(NDArray::close);
    firstMoments.clear();
    secondMoments.clear();
    weights.forEach(weight -> weight.setRequiresGradient(false));
  }

  /** The weights as Java arrays, the layout the constructor takes. */
  float[][] values() {
    float[][] values = new float[weights.size()][];
    for (int k = 0; k < values.length; k++) {
      values[k] = weights.get(k).toFloatArray();
    }
    return values;
  }

  private NDArray conv(NDArray x, int layer) {
    return Conv2d.conv2d(
            x, weights.get(2 * layer), weights.get(2 * layer + 1), new Shape(1, 1), new Shape(1, 1))
        .singletonOrThrow();
  }

  private static List<Shape> shapes(int in, int out) {
    int[] channels = {in, WIDTHS[0], WIDTHS[1], WIDTHS[2], out};
    List<Shape> shapes = new ArrayList<>();
    for (int k = 0; k + 1 < channels.length; k++) {
      shapes.add(new Shape(channels[k + 1], channels[k], 3, 3));
      shapes.add(new Shape(channels[k + 1]));
    }
    return shapes;
  }

  private static float[] uniform(int size, double bound, Random rng) {
    float[] values = new float[size];
    for (int i = 0; i < size; i++) {
      values[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
    }
    return values;
  }
}
