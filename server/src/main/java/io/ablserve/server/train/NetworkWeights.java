package io.ablserve.server.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A copy of a network's parameters, BatchNorm's running statistics included, held apart from its block on a
 * scope of its own that {@link #close} frees: the second network a defence keeps beside the model (NAD's
 * teacher), run through the same block by a parameter store that serves {@link #get}. Encoded as an {@link
 * NDList} of the arrays in the block's parameter order, the form a defence sets aside in its {@link
 * DefenseState}.
 */
final class NetworkWeights implements AutoCloseable {
  private final NDManager scope;
  private final List<NDArray> arrays;
  private final Map<String, NDArray> byId;

  private NetworkWeights(Block block, NDManager scope, List<NDArray> arrays) {
    List<Parameter> parameters = parameters(block);
    if (parameters.size() != arrays.size()) {
      scope.close();
      throw new IllegalArgumentException(
          "weights for " + arrays.size() + " parameters do not fit a network of " + parameters.size());
    }
    this.scope = scope;
    this.arrays = arrays;
    this.byId = new HashMap<>();
    for (int i = 0; i < arrays.size(); i++) {
      NDArray own = parameters.get(i).getArray();
      if (!own.getShape().equals(arrays.get(i).getShape())) {
        scope.close();
        throw new IllegalArgumentException(
            "weights of shape " + arrays.get(i).getShape() + " do not fit parameter "
                + parameters.get(i).getName() + " of shape " + own.getShape());
      }
      byId.put(parameters.get(i).getId(), arrays.get(i));
    }
  }

  /** A copy of {@code block}'s parameters as they are now, on a sub-manager of {@code parent}. */
  static NetworkWeights copyOf(Block block, NDManager parent) {
    NDManager scope = parent.newSubManager();
    List<NDArray> arrays = new ArrayList<>();
    Evaluator.withoutGradients(
        () -> {
          for (Parameter parameter : parameters(block)) {
            NDArray copy = parameter.getArray().duplicate();
            copy.attach(scope);
            arrays.add(copy);
          }
        });
    return new NetworkWeights(block, scope, arrays);
  }

  /** Weights {@link #encode} wrote, for {@code block}'s parameters, on a sub-manager of {@code parent}. */
  static NetworkWeights decode(Block block, byte[] encoded, NDManager parent) {
    NDManager scope = parent.newSubManager();
    List<NDArray> arrays = new ArrayList<>();
    List<Parameter> parameters = parameters(block);
    NDList decoded = NDList.decode(scope, encoded);
    for (int i = 0; i < decoded.size(); i++) {
      NDArray array = decoded.get(i);
      if (i < parameters.size()) {
        array = array.toDevice(parameters.get(i).getArray().getDevice(), false);
        array.attach(scope);
      }
      arrays.add(array);
    }
    return new NetworkWeights(block, scope, arrays);
  }

  /** {@code block}'s parameters as they are now, in {@link #encode}'s form, without a copy on the device. */
  static byte[] encode(Block block) {
    return new NDList(parameters(block).stream().map(Parameter::getArray).toList()).encode();
  }

  /** These weights, for a checkpoint. */
  byte[] encode() {
    return new NDList(arrays).encode();
  }

  /**
   * Writes these weights into {@code block}'s own arrays, in place: the trainer's parameter store and the
   * optimizer keep serving the same arrays, now holding these values.
   */
  void copyInto(Block block) {
    List<Parameter> parameters = parameters(block);
    Evaluator.withoutGradients(
        () -> {
          for (int i = 0; i < parameters.size(); i++) {
            arrays.get(i).copyTo(parameters.get(i).getArray());
          }
        });
  }

  /** These weights' array for {@code parameter} of the block they were made for. */
  NDArray get(Parameter parameter) {
    NDArray array = byId.get(parameter.getId());
    if (array == null) {
      throw new IllegalArgumentException("no weights for parameter " + parameter.getName());
    }
    return array;
  }

  @Override
  public void close() {
    scope.close();
  }

  private static List<Parameter> parameters(Block block) {
    return block.getParameters().stream().map(Pair::getValue).toList();
  }
}
