package io.ablserve.server.data;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Arrays;

/**
 * The input-aware dynamic attack's trigger (Nguyen & Tran 2020): a trained mask generator {@code m} and
 * pattern generator {@code p} give each image {@code x} its own trigger, {@code x' = x + m(x) (p(x) - x)},
 * on {@code pixel / 255}, rounded back to bytes. The mask has one channel, shared by the image's channels,
 * and is pushed towards 0 or 1 by the paper's threshold {@code tanh(20 g - 10) / 2 + 1 / 2}. The weights
 * are kept as Java arrays, so the trigger holds no native memory; each application runs the generators in
 * its own NDManager scope.
 */
public final class DynamicTrigger implements Trigger {
  private static final int BATCH = 128;

  private final int channels;
  private final float[][] mask;
  private final float[][] pattern;

  DynamicTrigger(int channels, float[][] mask, float[][] pattern) {
    this.channels = channels;
    this.mask = mask;
    this.pattern = pattern;
  }

  /** Triggers the image at {@code offset} with the trigger generated from the image itself. */
  @Override
  public void apply(byte[] pixels, int offset, ImageSet shape) {
    ImageSet one =
        new ImageSet(
            Arrays.copyOfRange(pixels, offset, offset + shape.imageBytes()), new int[1], shape.channels(),
            shape.height(), shape.width(), shape.numClasses());
    apply(one, new int[] {0}, new int[] {0}, pixels, new int[] {offset});
  }

  /** Triggers each image with the trigger generated from the clean image itself, read from {@code from}. */
  @Override
  public void apply(ImageSet from, int[] images, byte[] out, int[] at) {
    apply(from, images, images, out, at);
  }

  /**
   * Writes, at byte {@code at[i]} of {@code out}, image {@code images[i]} of {@code from} triggered with the
   * trigger the generators make of image {@code triggersOf[i]}: its own trigger when the two are equal,
   * the cross mode's borrowed one otherwise.
   */
  void apply(ImageSet from, int[] images, int[] triggersOf, byte[] out, int[] at) {
    if (from.channels() != channels) {
      throw new IllegalArgumentException(
          "the dynamic trigger was trained on " + channels + "-channel images, got " + from.channels());
    }
    int bytes = from.imageBytes();
    Shape shape = new Shape(-1, channels, from.height(), from.width());
    boolean mode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager scope = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      TriggerGenerator masks = new TriggerGenerator(scope, channels, 1, mask);
      TriggerGenerator patterns = new TriggerGenerator(scope, channels, channels, pattern);
      for (int start = 0; start < images.length; start += BATCH) {
        int n = Math.min(BATCH, images.length - start);
        try (NDManager batch = scope.newSubManager()) {
          NDArray x = batch.create(gather(from, images, start, n)).reshape(shape);
          NDArray source = batch.create(gather(from, triggersOf, start, n)).reshape(shape);
          float[] triggered = blend(x, masks.forward(source), patterns.forward(source)).toFloatArray();
          for (int i = 0; i < n; i++) {
            for (int k = 0; k < bytes; k++) {
              long value = Math.round(triggered[i * bytes + k] * 255.0);
              out[at[start + i] + k] = (byte) Math.max(0, Math.min(255, value));
            }
          }
        }
      }
    } finally {
      JniUtils.setGradMode(mode);
    }
  }

  /** {@code x + m (p - x)} with {@code m} the thresholded mask, broadcast over channels. */
  static NDArray blend(NDArray x, NDArray maskOutput, NDArray pattern) {
    NDArray m = threshold(maskOutput);
    return x.add(pattern.sub(x).mul(m));
  }

  /** The paper's near-binary mask threshold {@code tanh(20 g - 10) / 2 + 1 / 2}. */
  static NDArray threshold(NDArray maskOutput) {
    return maskOutput.mul(20).sub(10).tanh().div(2).add(0.5);
  }

  private static float[] gather(ImageSet from, int[] indices, int start, int n) {
    int bytes = from.imageBytes();
    float[] x = new float[n * bytes];
    for (int i = 0; i < n; i++) {
      System.arraycopy(
          Surrogate.inputs(from.pixels(), indices[start + i] * bytes, 1, bytes), 0, x, i * bytes, bytes);
    }
    return x;
  }
}
