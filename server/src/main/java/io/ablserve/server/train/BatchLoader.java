package io.ablserve.server.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ablserve.server.data.AugmentationPolicy;
import io.ablserve.server.data.ImageSet;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

/**
 * Turns samples of an {@link ImageSet} into normalised float batches on a device. Gathers the batch's
 * bytes on the host into one reused buffer (a quarter of the float size crosses to the device), then
 * converts and normalises with per-channel statistics of the training set. With an augmentation policy,
 * each gathered image is transformed on the host first (the transforms allocate nothing).
 */
final class BatchLoader {
  private final ImageSet set;
  private final Device device;
  private final float[] mean;
  private final float[] std;
  private final ByteBuffer staging;
  private final long[] labelStaging;
  private final AugmentationPolicy augmentation;
  private final Random rng;
  private final byte[] scratch;

  BatchLoader(ImageSet set, ChannelStats stats, int maxBatch, Device device) {
    this(set, stats, maxBatch, device, AugmentationPolicy.NONE, null);
  }

  BatchLoader(
      ImageSet set,
      ChannelStats stats,
      int maxBatch,
      Device device,
      AugmentationPolicy augmentation,
      Random rng) {
    this.set = set;
    this.device = device;
    this.mean = stats.mean();
    this.std = stats.std();
    this.staging = ByteBuffer.allocateDirect(maxBatch * set.imageBytes());
    this.labelStaging = new long[maxBatch];
    this.augmentation = augmentation;
    this.rng = rng;
    this.scratch = augmentation.transforms().isEmpty() ? null : new byte[maxBatch * set.imageBytes()];
  }

  ImageSet set() {
    return set;
  }

  /** Images {@code order[from..to)} as a float32 NCHW array owned by {@code manager}. */
  NDArray images(NDManager manager, int[] order, int from, int to) {
    int n = to - from;
    int bytes = set.imageBytes();
    staging.clear();
    if (scratch == null) {
      for (int i = from; i < to; i++) {
        staging.put(set.pixels(), order[i] * bytes, bytes);
      }
    } else {
      for (int i = from; i < to; i++) {
        int offset = (i - from) * bytes;
        System.arraycopy(set.pixels(), order[i] * bytes, scratch, offset, bytes);
        augmentation.apply(scratch, offset, rng);
      }
      staging.put(scratch, 0, n * bytes);
    }
    staging.flip();
    Shape shape = new Shape(n, set.channels(), set.height(), set.width());
    // The uint8 array may alias `staging`; the float conversion copies before the buffer is reused.
    NDArray raw = manager.create(staging, shape, DataType.UINT8);
    NDArray x = raw.toDevice(device, false).toType(DataType.FLOAT32, false);
    NDArray m = manager.create(mean, new Shape(1, mean.length, 1, 1)).toDevice(device, false);
    NDArray s = manager.create(std, new Shape(1, std.length, 1, 1)).toDevice(device, false);
    return x.divi(255f).subi(m).divi(s);
  }

  /** Labels {@code order[from..to)} as an int64 vector owned by {@code manager}. */
  NDArray labels(NDManager manager, int[] order, int from, int to) {
    int n = to - from;
    for (int i = 0; i < n; i++) {
      labelStaging[i] = set.labels()[order[from + i]];
    }
    long[] y = n == labelStaging.length ? labelStaging : Arrays.copyOf(labelStaging, n);
    return manager.create(y).toDevice(device, false);
  }

  /** Per-channel mean and standard deviation of pixel values scaled to [0, 1]. */
  record ChannelStats(float[] mean, float[] std) {
    static ChannelStats of(ImageSet set) {
      int c = set.channels();
      int plane = set.height() * set.width();
      double[] sum = new double[c];
      double[] sq = new double[c];
      byte[] p = set.pixels();
      for (int i = 0; i < set.size(); i++) {
        for (int ch = 0; ch < c; ch++) {
          int base = (i * c + ch) * plane;
          for (int k = 0; k < plane; k++) {
            double v = (p[base + k] & 0xff) / 255.0;
            sum[ch] += v;
            sq[ch] += v * v;
          }
        }
      }
      float[] mean = new float[c];
      float[] std = new float[c];
      double n = (double) set.size() * plane;
      for (int ch = 0; ch < c; ch++) {
        double m = sum[ch] / n;
        mean[ch] = (float) m;
        std[ch] = (float) Math.max(Math.sqrt(Math.max(sq[ch] / n - m * m, 0)), 1e-3);
      }
      return new ChannelStats(mean, std);
    }
  }
}
