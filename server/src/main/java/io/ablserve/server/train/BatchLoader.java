package io.ablserve.server.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ablserve.server.data.AugmentationPolicy;
import io.ablserve.server.data.ImageSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;

/**
 * Turns samples of an {@link ImageSet} into normalised float batches on a device. Gathers and normalises
 * the batch on the host in one pass, through a per-channel table of the 256 normalised pixel values (the
 * same float operations, in the same order, as dividing by 255, subtracting the mean and dividing by the
 * standard deviation), into one reused buffer: one native array per batch instead of a uint8 array, a type
 * conversion and three element-wise passes over it (5% of a small-CNN training step in the profile, see
 * bench/RESULTS.md). With an augmentation policy, each gathered image is transformed on the host first (the
 * transforms allocate nothing).
 */
final class BatchLoader {
  private final ImageSet set;
  private final Device device;
  /** Normalised value of pixel byte {@code v} in channel {@code c}: {@code table[c * 256 + v]}. */
  private final float[] table;
  private final ByteBuffer staging;
  private final FloatBuffer floats;
  private final float[] row;
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
    this.table = table(stats, set.channels());
    this.staging = ByteBuffer.allocateDirect(maxBatch * set.imageBytes() * Float.BYTES).order(ByteOrder.nativeOrder());
    this.floats = staging.asFloatBuffer();
    this.row = new float[set.imageBytes()];
    this.labelStaging = new long[maxBatch];
    this.augmentation = augmentation;
    this.rng = rng;
    this.scratch = augmentation.transforms().isEmpty() ? null : new byte[set.imageBytes()];
  }

  ImageSet set() {
    return set;
  }

  /**
   * Images {@code order[from..to)} as a float32 NCHW array owned by {@code manager}. On the CPU the array
   * may share this loader's buffer: it is valid until the next call, so close it with its batch.
   */
  NDArray images(NDManager manager, int[] order, int from, int to) {
    int n = to - from;
    int bytes = set.imageBytes();
    byte[] source = set.pixels();
    floats.clear();
    for (int i = from; i < to; i++) {
      int offset = order[i] * bytes;
      if (scratch != null) {
        System.arraycopy(source, offset, scratch, 0, bytes);
        augmentation.apply(scratch, 0, rng);
        normalise(scratch, 0);
      } else {
        normalise(source, offset);
      }
      floats.put(row);
    }
    staging.clear().limit(n * bytes * Float.BYTES);
    Shape shape = new Shape(n, set.channels(), set.height(), set.width());
    return manager.create(staging, shape, DataType.FLOAT32).toDevice(device, false);
  }

  /** Fills {@link #row} with the normalised pixels of the image at {@code offset} in {@code pixels}. */
  private void normalise(byte[] pixels, int offset) {
    int plane = set.height() * set.width();
    for (int c = 0, k = 0; c < set.channels(); c++) {
      int base = c * 256;
      for (int end = k + plane; k < end; k++) {
        row[k] = table[base + (pixels[offset + k] & 0xff)];
      }
    }
  }

  /**
   * The normalised value of every pixel byte per channel, computed as the device computed it before: float
   * division by 255, minus the channel mean, divided by the channel standard deviation.
   */
  private static float[] table(ChannelStats stats, int channels) {
    float[] table = new float[channels * 256];
    for (int c = 0; c < channels; c++) {
      for (int v = 0; v < 256; v++) {
        table[c * 256 + v] = ((float) v / 255f - stats.mean()[c]) / stats.std()[c];
      }
    }
    return table;
  }

  /** Labels {@code order[from..to)} as an int64 vector owned by {@code manager}. */
  NDArray labels(NDManager manager, int[] order, int from, int to) {
    return labels(manager, order, from, to, set.labels());
  }

  /**
   * Labels {@code order[from..to)} taken from {@code labels} (one per sample of the set: the set's own, or
   * labels a defence gave some samples) as an int64 vector owned by {@code manager}.
   */
  NDArray labels(NDManager manager, int[] order, int from, int to, int[] labels) {
    int n = to - from;
    for (int i = 0; i < n; i++) {
      labelStaging[i] = labels[order[from + i]];
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
