package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import io.ablserve.server.plugin.Plugins;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;

/**
 * The training samples at the turn as the {@link SignalScorer}s see them, and the scores of each {@link
 * IsolationSignal}, lower meaning more suspect (the convention of {@link Isolation#lowest}): each signal is
 * scored once, by the scorer registered for it. Loss signals are normalised per {@link Ranking}; the
 * activation signals measure a suspicion (higher is more suspect), scored as minus its ratio to a quantile of
 * its label's: the lower quartile for transform sensitivity, the median for spectral signatures. Features
 * are computed on demand, the untransformed ones once. The arrays it hands out are shared, not copied: no
 * scorer may write to them.
 */
public final class IsolationSignals {
  /**
   * The quantile of its label's transform sensitivities each is compared with: the lower quartile, a clean
   * sample's while poisons are under three quarters of their label. Compared across labels as they are, the
   * shoe classes, whose features a flip moves, filled the pick (tuning half: BadNets 1%, AUROC 0.85, pick
   * 9% poisons, 84 of 100 sandals, sneakers and boots); over the label's median, a 10% backdoor that is half
   * its label fell below it.
   */
  static final double CLEAN_QUANTILE = 0.25;
  /** Shift of {@link IsolationSignal#TRANSFORM_SENSITIVITY}'s second transform: this fraction of the width. */
  static final int SHIFT_DIVISOR = 8;
  /** Power iterations for each label's top singular vector: the ratio of the top two converges long before. */
  static final int POWER_ITERATIONS = 50;

  private final Map<IsolationSignal, SignalScorer> scorers;
  private final float[] losses;
  private final float[] trainingLosses;
  private final int[] labels;
  private final int numClasses;
  private final Ranking ranking;
  private final Function<UnaryOperator<NDArray>, float[][]> features;
  private final Map<IsolationSignal, float[]> scored = new EnumMap<>(IsolationSignal.class);
  private float[][] plain;

  /**
   * Signals over the samples of {@code labels}, each scored by the scorer {@code scorers} registers for it:
   * {@code losses} their eval-mode losses at the turn, {@code trainingLosses} their mean training loss over
   * the isolation epochs (null where the run did not keep it), and {@code features} the penultimate
   * activations of every sample with a transform applied to its normalised image batch (NCHW) first.
   */
  public IsolationSignals(
      Map<IsolationSignal, SignalScorer> scorers, float[] losses, float[] trainingLosses, int[] labels,
      int numClasses, Ranking ranking, Function<UnaryOperator<NDArray>, float[][]> features) {
    this.scorers = requireNonNull(scorers, "scorers");
    this.losses = requireNonNull(losses, "losses");
    this.trainingLosses = trainingLosses;
    this.labels = requireNonNull(labels, "labels");
    this.numClasses = numClasses;
    this.ranking = requireNonNull(ranking, "ranking");
    this.features = requireNonNull(features, "features");
  }

  /**
   * As the full constructor, each signal scored by the server's own scorer ({@link
   * IsolationSignal#standardScorers}).
   */
  IsolationSignals(
      float[] losses, float[] trainingLosses, int[] labels, int numClasses, Ranking ranking,
      Function<UnaryOperator<NDArray>, float[][]> features) {
    this(IsolationSignal.standardScorers(), losses, trainingLosses, labels, numClasses, ranking, features);
  }

  /**
   * The scorer {@code scorers} registers for {@code signal}; IllegalArgumentException names the registered
   * signals when there is none.
   */
  static SignalScorer scorer(Map<IsolationSignal, SignalScorer> scorers, IsolationSignal signal) {
    return Plugins.lookup("abl.isolation_signal", scorers, signal);
  }

  /** Every sample's scores by {@code signal}, from its registered scorer; computed once. */
  public float[] scores(IsolationSignal signal) {
    float[] scores = scored.get(signal);
    if (scores == null) {
      scores = scorer(scorers, signal).scores(this);
      scored.put(signal, scores);
    }
    return scores;
  }

  /** Each sample's eval-mode loss at the turn. */
  public float[] losses() {
    return losses;
  }

  /**
   * Each sample's mean training loss over the isolation epochs; IllegalStateException where the run did not
   * keep them, its signal's scorer not having said it needs them ({@link SignalScorer#needsTrainingLosses}).
   */
  public float[] trainingLosses() {
    if (trainingLosses == null) {
      throw new IllegalStateException(
          "the isolation epochs' training losses were not kept: a signal that reads them must say so"
              + " (SignalScorer.needsTrainingLosses)");
    }
    return trainingLosses;
  }

  /** Each sample's label. */
  public int[] labels() {
    return labels;
  }

  /** How many labels there are. */
  public int numClasses() {
    return numClasses;
  }

  /** How the loss signals compare losses across labels. */
  public Ranking ranking() {
    return ranking;
  }

  /** Each sample's penultimate activations; computed once. */
  public float[][] features() {
    if (plain == null) {
      plain = features.apply(UnaryOperator.identity());
    }
    return plain;
  }

  /**
   * Each sample's penultimate activations with {@code transform} applied to its normalised image batch
   * (NCHW) first.
   */
  public float[][] features(UnaryOperator<NDArray> transform) {
    return features.apply(transform);
  }

  /**
   * {@code sums} (the bytes of a float per sample, empty at first) with an epoch's training {@code losses}
   * added: the running loss curve a run keeps beside its model, so a resumed run ranks as an uninterrupted
   * one would. A sample the epoch did not train on (NaN) adds nothing.
   */
  static byte[] addLosses(byte[] sums, float[] losses) {
    ByteBuffer in = ByteBuffer.wrap(sums);
    ByteBuffer out = ByteBuffer.allocate(Float.BYTES * losses.length);
    for (float loss : losses) {
      float sum = in.remaining() >= Float.BYTES ? in.getFloat() : 0f;
      out.putFloat(Float.isNaN(loss) ? sum : sum + loss);
    }
    return out.array();
  }

  /** Each sample's mean training loss over {@code epochs} epochs from their {@link #addLosses} sums. */
  static float[] meanLosses(byte[] sums, int n, int epochs) {
    if (sums.length != Float.BYTES * n) {
      throw new IllegalStateException(
          "the loss curve holds " + sums.length / Float.BYTES + " samples, the training set " + n);
    }
    ByteBuffer in = ByteBuffer.wrap(sums);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = in.getFloat() / Math.max(1, epochs);
    }
    return out;
  }

  /** A batch of images (NCHW) mirrored left to right. */
  static NDArray flip(NDArray images) {
    return images.flip(3);
  }

  /**
   * A batch of images (NCHW) shifted right by an eighth of their width, wrapping round: a position-bound
   * trigger moves off its place, as with the flip, while convolutions see the same object.
   */
  static NDArray shift(NDArray images) {
    long width = images.getShape().get(3);
    long by = Math.max(1, width / SHIFT_DIVISOR);
    NDArray tail = images.get(new NDIndex(":, :, :, {}:", width - by));
    NDArray head = images.get(new NDIndex(":, :, :, :{}", width - by));
    return NDArrays.concat(new NDList(tail, head), 3);
  }

  /**
   * Each sample's mean over {@code transformed} of the squared distance between its activations and the
   * transformed image's, over its activations' squared norm.
   */
  static float[] transformSensitivity(float[][] plain, List<float[][]> transformed) {
    float[] out = new float[plain.length];
    for (int i = 0; i < plain.length; i++) {
      double norm = 1e-12;
      for (float v : plain[i]) {
        norm += (double) v * v;
      }
      double sum = 0;
      for (float[][] t : transformed) {
        double d = 0;
        for (int k = 0; k < plain[i].length; k++) {
          double diff = plain[i][k] - t[i][k];
          d += diff * diff;
        }
        sum += d / norm;
      }
      out[i] = (float) (sum / transformed.size());
    }
    return out;
  }

  /**
   * Within each label, each sample's squared projection of its centred activations on the label's top
   * singular vector (power iteration on the covariance, from a fixed start).
   */
  static float[] spectral(float[][] rows, int[] labels, int numClasses) {
    float[] out = new float[rows.length];
    for (int c = 0; c < numClasses; c++) {
      int label = c;
      int[] members = IntStream.range(0, rows.length).filter(i -> labels[i] == label).toArray();
      if (members.length < 2) {
        continue;
      }
      int d = rows[members[0]].length;
      double[] mean = new double[d];
      for (int i : members) {
        for (int k = 0; k < d; k++) {
          mean[k] += rows[i][k];
        }
      }
      for (int k = 0; k < d; k++) {
        mean[k] /= members.length;
      }
      double[][] centred = new double[members.length][d];
      for (int m = 0; m < members.length; m++) {
        for (int k = 0; k < d; k++) {
          centred[m][k] = rows[members[m]][k] - mean[k];
        }
      }
      double[] v = topDirection(centred, d);
      for (int m = 0; m < members.length; m++) {
        double p = 0;
        for (int k = 0; k < d; k++) {
          p += centred[m][k] * v[k];
        }
        out[members[m]] = (float) (p * p);
      }
    }
    return out;
  }

  /** The top right singular vector of {@code centred} (rows by {@code d}), unit length. */
  private static double[] topDirection(double[][] centred, int d) {
    double[] v = new double[d];
    Random start = new Random(d);
    for (int k = 0; k < d; k++) {
      v[k] = start.nextGaussian();
    }
    normalise(v);
    for (int it = 0; it < POWER_ITERATIONS; it++) {
      double[] next = new double[d];
      for (double[] row : centred) {
        double p = 0;
        for (int k = 0; k < d; k++) {
          p += row[k] * v[k];
        }
        for (int k = 0; k < d; k++) {
          next[k] += p * row[k];
        }
      }
      if (normalise(next) == 0) {
        return v;
      }
      v = next;
    }
    return v;
  }

  private static double normalise(double[] v) {
    double norm = Math.sqrt(Arrays.stream(v).map(x -> x * x).sum());
    if (norm > 0) {
      for (int k = 0; k < v.length; k++) {
        v[k] /= norm;
      }
    }
    return norm;
  }

  /** Minus each suspicion over the median suspicion of its label: lower is more suspect. */
  static float[] perLabel(float[] suspicion, int[] labels, int numClasses) {
    return perLabel(suspicion, labels, numClasses, 0.5);
  }

  /**
   * Minus each suspicion over the {@code quantile} of its label's suspicions: lower is more suspect. Below the
   * median, the reference stays a clean one while poisons are most of their label.
   */
  static float[] perLabel(float[] suspicion, int[] labels, int numClasses, double quantile) {
    float[] reference = new float[numClasses];
    for (int c = 0; c < numClasses; c++) {
      int label = c;
      double[] of =
          IntStream.range(0, suspicion.length).filter(i -> labels[i] == label).mapToDouble(i -> suspicion[i])
              .sorted().toArray();
      reference[c] = of.length == 0 ? 1f : (float) Math.max(of[(int) (quantile * of.length)], 1e-12);
    }
    float[] out = new float[suspicion.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = -suspicion[i] / reference[labels[i]];
    }
    return out;
  }

  /** The mean of each score's rank percentile (0 for the lowest, ties by index). */
  static float[] combined(List<float[]> scores) {
    int n = scores.get(0).length;
    float[] out = new float[n];
    for (float[] s : scores) {
      Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
      Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> s[i]).thenComparingInt(i -> i));
      for (int r = 0; r < n; r++) {
        out[order[r]] += (float) r / n / scores.size();
      }
    }
    return out;
  }
}
