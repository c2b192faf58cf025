package io.ablserve.server.train;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * SGD with momentum and weight decay, the same native update as DJL's {@code Sgd}, whose momentum
 * buffers can be saved and restored with a checkpoint. DJL's {@code Sgd} keeps them in a private map, so a
 * resumed run would restart momentum at zero.
 */
final class MomentumSgd extends Optimizer {
  private final LearningRate learningRate;
  private final float momentum;
  /** Momentum buffer of each parameter, by parameter id; one device per run. */
  private final Map<String, NDArray> velocity = new HashMap<>();

  private MomentumSgd(Builder builder) {
    super(builder);
    this.learningRate = builder.learningRate;
    this.momentum = builder.momentum;
  }

  static MomentumSgd create(LearningRate learningRate, double momentum, double weightDecay) {
    Builder builder = new Builder(learningRate, (float) momentum);
    builder.optWeightDecays((float) weightDecay);
    return new MomentumSgd(builder);
  }

  LearningRate learningRate() {
    return learningRate;
  }

  @Override
  public void update(String parameterId, NDArray weight, NDArray grad) {
    float weightDecay = getWeightDecay();
    float rate = learningRate.getNewValue(parameterId, updateCount(parameterId));
    NDList inputs =
        momentum == 0f
            ? new NDList(weight, grad)
            : new NDList(weight, grad, velocity.computeIfAbsent(parameterId, k -> weight.zerosLike()));
    weight.getNDArrayInternal()
        .sgdUpdate(inputs, new NDList(weight), rate, weightDecay, rescaleGrad, clipGrad, momentum, true);
  }

  /** Drops every momentum buffer: the next update of each parameter starts from zero velocity. */
  void restart() {
    velocity.values().forEach(NDArray::close);
    velocity.clear();
  }

  /** The momentum buffers of {@code block}'s parameters, keyed by parameter name (ids differ per process). */
  byte[] saveState(Block block) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      int count = 0;
      for (Pair<String, Parameter> p : block.getParameters()) {
        count += velocity.containsKey(p.getValue().getId()) ? 1 : 0;
      }
      out.writeInt(count);
      for (Pair<String, Parameter> p : block.getParameters()) {
        NDArray buffer = velocity.get(p.getValue().getId());
        if (buffer != null) {
          byte[] encoded = buffer.encode();
          out.writeUTF(p.getKey());
          out.writeInt(encoded.length);
          out.write(encoded);
        }
      }
    }
    return bytes.toByteArray();
  }

  /** Restores buffers written by {@link #saveState} onto {@code block}'s parameters. */
  void loadState(Block block, byte[] state) throws IOException, MalformedModelException {
    Map<String, Parameter> byName = new HashMap<>();
    for (Pair<String, Parameter> p : block.getParameters()) {
      byName.put(p.getKey(), p.getValue());
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
      int count = in.readInt();
      for (int i = 0; i < count; i++) {
        String name = in.readUTF();
        byte[] encoded = in.readNBytes(in.readInt());
        Parameter parameter = byName.get(name);
        if (parameter == null) {
          throw new MalformedModelException("optimizer state names unknown parameter '" + name + "'");
        }
        NDArray weight = parameter.getArray();
        NDArray buffer = NDArray.decode(weight.getManager(), encoded).toDevice(weight.getDevice(), false);
        NDArray old = velocity.put(parameter.getId(), buffer);
        if (old != null) {
          old.close();
        }
      }
    }
  }

  private static final class Builder extends OptimizerBuilder<Builder> {
    private final LearningRate learningRate;
    private final float momentum;

    Builder(LearningRate learningRate, float momentum) {
      this.learningRate = learningRate;
      this.momentum = momentum;
    }

    @Override
    protected Builder self() {
      return this;
    }
  }
}
