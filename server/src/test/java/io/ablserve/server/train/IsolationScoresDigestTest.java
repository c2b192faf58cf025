package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Every signal's scores on a small fixed input, pinned to the bit as a SHA-256 of their floats: recorded
 * before the signals became one scorer each (issue #14), so that change, and any later one that should not
 * move a score, is checked to leave every ranking as it was.
 */
class IsolationScoresDigestTest {
  private static final int LABELS = 3;
  private static final int PER_LABEL = 30;
  private static final int N = LABELS * PER_LABEL;
  private static final int FEATURES = 6;

  /** The digests of the scores, by signal and ranking; the activation signals ignore the ranking. */
  private static final Map<String, String> RECORDED =
      Map.ofEntries(
          Map.entry(
              "LOSS/GLOBAL",
              "3d1e1c94aa5669d4135f492c64bdeb44385d3e0e2884f39987223da5b0b03e1b"),
          Map.entry(
              "LOSS/PER_CLASS",
              "51fb1a00d149b1803cfc91053d218f3dbaa558bdfa55f3249801481e44b3a137"),
          Map.entry(
              "LOSS_DROP/GLOBAL",
              "5b20af2582bd8cfdc65c6c4090bad3f1c68bb221cdb82222527db065dde22849"),
          Map.entry(
              "LOSS_DROP/PER_CLASS",
              "78ebd67cd1d98f8b4b8811d7e40a1c14a083969d311620654e7b8a1ac669a8e8"),
          Map.entry(
              "TRANSFORM_SENSITIVITY/GLOBAL",
              "f6740766c2866292376e717f849976a1aec2ca5c04321b7e53e35775f0428a7e"),
          Map.entry(
              "TRANSFORM_SENSITIVITY/PER_CLASS",
              "f6740766c2866292376e717f849976a1aec2ca5c04321b7e53e35775f0428a7e"),
          Map.entry(
              "SPECTRAL/GLOBAL",
              "27d282ef92c49f0275105c720f99a8177771dac9a8e0ca3e304f28c65dbb9287"),
          Map.entry(
              "SPECTRAL/PER_CLASS",
              "27d282ef92c49f0275105c720f99a8177771dac9a8e0ca3e304f28c65dbb9287"),
          Map.entry(
              "COMBINED/GLOBAL",
              "c2a21713b3aeaa7e2b459b9f21b68a7bf471251cea36439bdec1cb0cfb1d5014"),
          Map.entry(
              "COMBINED/PER_CLASS",
              "ad577ad83817294e836d1ff1d9b93427ccbfc11d0b66c7ca90bf21a7671a0ba6"));

  private static int[] labels() {
    int[] labels = new int[N];
    for (int i = 0; i < N; i++) {
      labels[i] = i % LABELS;
    }
    return labels;
  }

  private static float[] losses(long seed) {
    Random random = new Random(seed);
    float[] out = new float[N];
    for (int i = 0; i < N; i++) {
      out[i] = (float) (-Math.log(1 - random.nextDouble()) * (1 + i % LABELS));
    }
    return out;
  }

  /**
   * Penultimate activations of a fixed batch of 1x4x8 images, each a label's stripe plus noise, some with a
   * corner patch: the transformed batch projected on a fixed matrix.
   */
  private static Function<UnaryOperator<NDArray>, float[][]> features(NDManager manager) {
    Random random = new Random(5);
    float[] pixels = new float[N * 32];
    for (int i = 0; i < N; i++) {
      for (int p = 0; p < 32; p++) {
        pixels[i * 32 + p] = (float) (random.nextGaussian() * 0.3 + (p / 8 == i % LABELS ? 1 : 0));
      }
      if (i % 7 == 0) {
        pixels[i * 32 + 31] = 3;
        pixels[i * 32 + 30] = 3;
      }
    }
    NDArray images = manager.create(pixels, new Shape(N, 1, 4, 8));
    double[][] projection = new double[32][FEATURES];
    for (double[] row : projection) {
      for (int k = 0; k < FEATURES; k++) {
        row[k] = random.nextGaussian();
      }
    }
    return transform -> {
      float[] x = transform.apply(images).toFloatArray();
      float[][] out = new float[N][FEATURES];
      for (int i = 0; i < N; i++) {
        for (int k = 0; k < FEATURES; k++) {
          double sum = 0;
          for (int p = 0; p < 32; p++) {
            sum += x[i * 32 + p] * projection[p][k];
          }
          out[i][k] = (float) Math.max(0, sum);
        }
      }
      return out;
    };
  }

  private static String digest(float[] scores) throws Exception {
    ByteBuffer bytes = ByteBuffer.allocate(Float.BYTES * scores.length);
    for (float s : scores) {
      bytes.putInt(Float.floatToRawIntBits(s));
    }
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
  }

  @Test
  void everySignal_scoresAsRecorded_whetherAskedAloneOrAfterTheOthers() throws Exception {
    Map<String, String> alone = new LinkedHashMap<>();
    Map<String, String> together = new LinkedHashMap<>();
    try (NDManager manager = NDManager.newBaseManager()) {
      Function<UnaryOperator<NDArray>, float[][]> features = features(manager);
      for (Ranking ranking : Ranking.values()) {
        IsolationSignals shared =
            new IsolationSignals(losses(1), losses(2), labels(), LABELS, ranking, features);
        for (IsolationSignal signal : IsolationSignal.values()) {
          String key = signal + "/" + ranking;
          alone.put(
              key,
              digest(
                  new IsolationSignals(losses(1), losses(2), labels(), LABELS, ranking, features)
                      .scores(signal)));
          float[] scores = shared.scores(signal);
          // A digest of a degenerate input would pin little: every signal must tell the samples apart.
          assertThat(IntStream.range(0, N).mapToDouble(i -> scores[i]).distinct().count())
              .as(key)
              .isGreaterThan(N / 2);
          together.put(key, digest(scores));
        }
      }
    }

    assertThat(alone).isEqualTo(together);
    assertThat(alone).isEqualTo(RECORDED);
  }
}
