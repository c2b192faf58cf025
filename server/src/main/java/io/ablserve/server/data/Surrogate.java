package io.ablserve.server.data;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.Pair;
import io.ablserve.server.model.ModelArch;
import io.ablserve.server.model.Models;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The attacker's own model for the label-consistent attack: the project's small CNN trained with momentum
 * SGD on the clean training set, on the CPU, inputs {@code pixel / 255}. Initialisation (He-uniform from
 * {@code java.util.Random(seed)}) and batch order come from the seed alone, never from the engine's global
 * seed, so the same seed gives the same poisons whatever else ran in the process. Gradients are taken with
 * this thread's autograd mode, without DJL's process-global GradientCollector, so poisoning can run while a
 * session trains. Owns native memory: close it.
 */
final class Surrogate implements AutoCloseable {
  static final int BATCH = 128;
  static final float LEARNING_RATE = 0.01f;
  static final float MOMENTUM = 0.9f;

  private final NDManager manager;
  private final Block block;
  private final ParameterStore parameters;
  private final ImageSet shape;
  private final List<Parameter> trainable = new ArrayList<>();
  private final List<NDArray> velocity = new ArrayList<>();

  private Surrogate(NDManager manager, Block block, ImageSet shape) {
    this.manager = manager;
    this.block = block;
    this.parameters = new ParameterStore(manager, false);
    this.shape = shape;
  }

  /** A surrogate trained for {@code epochs} epochs on {@code clean}. */
  static Surrogate train(ImageSet clean, int epochs, long seed) {
    Random rng = new Random(seed);
    Surrogate surrogate = untrained(clean, rng);
    try {
      surrogate.fit(clean, epochs, rng);
      return surrogate;
    } catch (RuntimeException e) {
      surrogate.close();
      throw e;
    }
  }

  /** A surrogate for images shaped like {@code shape}'s, He-initialised from {@code rng}, not trained. */
  static Surrogate untrained(ImageSet shape, Random rng) {
    NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    try {
      Block block =
          Models.create(
              ModelArch.SMALL_CNN, shape.channels(), shape.height(), shape.width(), shape.numClasses());
      block.setInitializer(new ConstantInitializer(0), Parameter.Type.WEIGHT);
      block.initialize(
          manager, DataType.FLOAT32, new Shape(1, shape.channels(), shape.height(), shape.width()));
      boolean mode = JniUtils.isGradMode();
      JniUtils.setGradMode(false); // writing into leaves that require gradients
      try {
        heUniform(block, rng);
      } finally {
        JniUtils.setGradMode(mode);
      }
      return new Surrogate(manager, block, shape);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** Share of {@code images} whose arg-max logit (eval mode) is their label. */
  double accuracy(ImageSet images) {
    int correct = 0;
    for (int from = 0; from < images.size(); from += BATCH) {
      int n = Math.min(BATCH, images.size() - from);
      float[] x = inputs(images.pixels(), from * images.imageBytes(), n, images.imageBytes());
      boolean mode = JniUtils.isGradMode();
      JniUtils.setGradMode(false);
      try (NDManager scope = manager.newSubManager()) {
        long[] predicted = forward(scope, x, n, false).argMax(1).toLongArray();
        for (int i = 0; i < n; i++) {
          correct += predicted[i] == images.labels()[from + i] ? 1 : 0;
        }
      } finally {
        JniUtils.setGradMode(mode);
      }
    }
    return (double) correct / images.size();
  }

  /** The logits of {@code input} ({@code N x C x H x W}, {@code pixel / 255}); gradients flow to both. */
  NDArray logits(NDArray input, boolean training) {
    return block.forward(parameters, new NDList(input), training).singletonOrThrow();
  }

  /** Mean cross-entropy of {@code images} (eval mode). */
  double meanLoss(ImageSet images) {
    double sum = 0;
    for (int from = 0; from < images.size(); from += BATCH) {
      int n = Math.min(BATCH, images.size() - from);
      float[] x = inputs(images.pixels(), from * images.imageBytes(), n, images.imageBytes());
      int[] y = java.util.Arrays.copyOfRange(images.labels(), from, from + n);
      boolean mode = JniUtils.isGradMode();
      JniUtils.setGradMode(false);
      try (NDManager scope = manager.newSubManager()) {
        sum += crossEntropy(scope, forward(scope, x, n, false), y).sum().getFloat();
      } finally {
        JniUtils.setGradMode(mode);
      }
    }
    return sum / images.size();
  }

  /**
   * The sign of the gradient of each image's cross-entropy with respect to its pixels, in eval mode: the
   * direction of an L-inf ascent step. {@code x} holds {@code n} images as {@code pixel / 255}.
   */
  float[] lossGradientSign(float[] x, int[] labels, int n) {
    boolean mode = JniUtils.isGradMode();
    try (NDManager scope = manager.newSubManager()) {
      JniUtils.setGradMode(true);
      NDArray input = input(scope, x, n);
      input.setRequiresGradient(true);
      NDArray logits = block.forward(parameters, new NDList(input), false).singletonOrThrow();
      backward(crossEntropy(scope, logits, labels).sum());
      try (NDArray gradient = input.getGradient()) {
        return gradient.sign().toFloatArray();
      }
    } finally {
      JniUtils.setGradMode(mode);
    }
  }

  /** {@code n} images from byte {@code offset} on, as {@code pixel / 255}. */
  static float[] inputs(byte[] pixels, int offset, int n, int imageBytes) {
    float[] x = new float[n * imageBytes];
    for (int i = 0; i < x.length; i++) {
      x[i] = (pixels[offset + i] & 0xff) / 255f;
    }
    return x;
  }

  private void fit(ImageSet clean, int epochs, Random rng) {
    int[] order = new int[clean.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    int bytes = clean.imageBytes();
    for (int epoch = 0; epoch < epochs; epoch++) {
      shuffle(order, rng);
      for (int from = 0; from < order.length; from += BATCH) {
        int n = Math.min(BATCH, order.length - from);
        float[] x = new float[n * bytes];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
          int index = order[from + i];
          System.arraycopy(inputs(clean.pixels(), index * bytes, 1, bytes), 0, x, i * bytes, bytes);
          y[i] = clean.labels()[index];
        }
        step(x, y, n);
      }
    }
    freeze();
  }

  private void step(float[] x, int[] y, int n) {
    boolean mode = JniUtils.isGradMode();
    try (NDManager scope = manager.newSubManager()) {
      JniUtils.setGradMode(true);
      backward(crossEntropy(scope, forward(scope, x, n, true), y).mean());
      sgdStep();
    } finally {
      JniUtils.setGradMode(mode);
    }
  }

  /**
   * One momentum SGD step on the weights' gradients from the last backward pass, which it then zeroes;
   * leaves gradient mode off.
   */
  void sgdStep() {
    JniUtils.setGradMode(false);
    if (trainable.isEmpty()) {
      for (Pair<String, Parameter> p : block.getParameters()) {
        if (p.getValue().requiresGradient()) {
          trainable.add(p.getValue());
          velocity.add(p.getValue().getArray().zerosLike());
        }
      }
    }
    for (int k = 0; k < trainable.size(); k++) {
      NDArray weight = trainable.get(k).getArray();
      NDArray v = velocity.get(k);
      try (NDArray gradient = weight.getGradient()) {
        v.muli(MOMENTUM).addi(gradient);
        try (NDArray update = v.mul(LEARNING_RATE)) {
          weight.subi(update);
        }
        gradient.subi(gradient);
      }
    }
  }

  /** Ends training: the momentum is freed, and input gradients no longer need weight gradients. */
  void freeze() {
    velocity.forEach(NDArray::close);
    velocity.clear();
    for (Pair<String, Parameter> p : block.getParameters()) {
      p.getValue().getArray().setRequiresGradient(false);
    }
    trainable.clear();
  }

  private NDArray forward(NDManager scope, float[] x, int n, boolean training) {
    return block.forward(parameters, new NDList(input(scope, x, n)), training).singletonOrThrow();
  }

  private NDArray input(NDManager scope, float[] x, int n) {
    return scope.create(x, new Shape(n, shape.channels(), shape.height(), shape.width()));
  }

  /** Per-sample cross-entropy of {@code logits} against {@code labels}. */
  NDArray crossEntropy(NDManager scope, NDArray logits, int[] labels) {
    NDArray oneHot = scope.create(labels).oneHot(shape.numClasses());
    // Floored: a -inf log-probability times a zero of the one-hot would be NaN.
    return logits.logSoftmax(1).maximum(-100).mul(oneHot).sum(new int[] {1}).neg();
  }

  static void backward(NDArray loss) {
    try (NDArray ones = loss.onesLike()) {
      JniUtils.backward((PtNDArray) loss, (PtNDArray) ones, false, false);
    }
  }

  /** He-uniform weights ({@code U(-b, b)}, {@code b = sqrt(6 / fan_in)}), drawn in parameter order. */
  private static void heUniform(Block block, Random rng) {
    for (Pair<String, Parameter> p : block.getParameters()) {
      Parameter parameter = p.getValue();
      NDArray array = parameter.getArray();
      if (parameter.getType() != Parameter.Type.WEIGHT || array.getShape().dimension() < 2) {
        continue;
      }
      long fanIn = array.getShape().size() / array.getShape().get(0);
      double bound = Math.sqrt(6.0 / fanIn);
      float[] values = new float[(int) array.getShape().size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
      }
      array.set(values);
    }
  }

  private static void shuffle(int[] order, Random rng) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
