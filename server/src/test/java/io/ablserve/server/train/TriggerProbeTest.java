package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.data.ImageSet;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The trigger probe on synthetic 28x28 images: class c is a bright band over noise, the
 * poisons are images of classes 1-3 with a trigger and label 0. The confirmed core holds most poisons and
 * a few clean images of class 0; the rest of label 0 holds the poisons the core missed and the clean images.
 */
class TriggerProbeTest {
  private static final int SIDE = 28;
  private static final int CLASSES = 4;
  private static final int PER_CLASS = 300;
  private static final int POISONS = 300;
  private static final int MISSED = 60;
  private static final int CLEAN_IN_CORE = 3;
  /** A white 3x3 patch near the bottom-right corner. */
  private static final Trigger PATCH = (pixels, base, rng) -> {
    for (int y = 24; y < 27; y++) {
      for (int x = 24; x < 27; x++) {
        pixels[base + y * SIDE + x] = (byte) 255;
      }
    }
  };

  @Test
  void flagsThePatchedImagesTheCoreMissed_andDemotesTheCleanImagesInIt() {
    ImageSet set = images(new Random(1), PATCH);

    TriggerProbe.Result result = TriggerProbe.flag(set, 0, core(), 7);

    assertThat(result.trusted()).isTrue();
    assertThat(result.heldOutRecall()).isGreaterThan(0.95);
    // Every poison the confirmed set missed is found, image by image, and clearly; of the target class's
    // 297 clean images outside it, a few are taken for triggered (the class lies a little outside the
    // other labels' images, whose scores set the thresholds) and fewer still clearly.
    assertThat(result.suspected()).contains(missed());
    // Ascended only where the content check agrees too: these classes are bands of one kind, so a few
    // poisons have more class-0 neighbours than others and stay suspects.
    assertThat(IntStream.of(result.ascend()).filter(i -> i >= missed()[0]).count())
        .isGreaterThanOrEqualTo((long) (0.9 * MISSED));
    assertThat(cleanIn(result.suspected())).isLessThanOrEqualTo(PER_CLASS / 20);
    assertThat(cleanIn(result.ascend())).isLessThanOrEqualTo(PER_CLASS / 50);
    // The clean images in the confirmed set are not backed by their pixels; nearly every poison is.
    assertThat(result.demoted()).contains(IntStream.range(0, CLEAN_IN_CORE).toArray());
    assertThat(result.demoted().length).isLessThan(CLEAN_IN_CORE + 5);
  }

  @Test
  void aFewOtherImagesCarryingTheTrigger_doNotDemoteTheConfirmedSet() {
    ImageSet set = images(new Random(1), PATCH);
    // Four of the 900 other-label images carry the patch too: above the 99.9% quantile of their label's
    // scores (the highest one), below the 99.5% one (the fifth). The ascent threshold then lies among the
    // poisons' own scores, as in FashionMnistAblTest's BadNets run on an AMD EPYC (583 of 608 demoted).
    Random planted = new Random(8);
    for (int i : new int[] {PER_CLASS + 5, 2 * PER_CLASS + 5, 3 * PER_CLASS + 5, PER_CLASS + 6}) {
      PATCH.stamp(set.pixels(), i * SIDE * SIDE, planted);
    }

    TriggerProbe.Result result = TriggerProbe.flag(set, 0, core(), 7);

    assertThat(result.trusted()).isTrue();
    assertThat(result.ascendThreshold()).isGreaterThan(result.suspectThreshold());
    // The confirmed poisons stay in D_b; the clean images the split took in still leave it.
    assertThat(result.demoted()).contains(IntStream.range(0, CLEAN_IN_CORE).toArray());
    assertThat(result.demoted().length).isLessThan(CLEAN_IN_CORE + 10);
  }

  @Test
  void refine_decidesTheSameToTheBit_onOneThreadAndOnSeveral() {
    ImageSet set = images(new Random(3), PATCH);
    BackdoorCheck.Decision decision = confirmedAtLabel0(core(), CLEAN_IN_CORE);

    TriggerProbe.Outcome one = TriggerProbe.refine(decision, set, 1);
    TriggerProbe.Outcome several = TriggerProbe.refine(decision, set, 3);

    // The folds, scores and content checks run side by side on several threads, each computed alone: the
    // same sets and the same figures, not merely close ones.
    assertThat(several.decision().ascended()).containsExactly(one.decision().ascended());
    assertThat(several.decision().suspects()).containsExactly(one.decision().suspects());
    assertThat(several.report()).isEqualTo(one.report());
    assertThat(one.decision().ascended()).isNotEmpty();
  }

  @Test
  void refine_ascendsWhatBothSignalsBack_andSuspectsTheRest() {
    ImageSet set = images(new Random(1), PATCH);
    TriggerProbe.Outcome outcome = TriggerProbe.refine(confirmedAtLabel0(core(), CLEAN_IN_CORE), set);

    int[] ascended = outcome.decision().ascended();
    // D_b: the poisons, the confirmed and the missed ones alike; of the clean images, none of the
    // confirmed set's and at most 2% of the class's others.
    assertThat(ascended).doesNotContain(IntStream.range(0, CLEAN_IN_CORE).toArray());
    assertThat(cleanIn(ascended)).isLessThanOrEqualTo(PER_CLASS / 50);
    assertThat(ascended.length - cleanIn(ascended)).isGreaterThan(POISONS - 15);
    // Every poison is ascended or at least leaves training.
    int[] suspects = outcome.decision().suspects();
    assertThat(IntStream.concat(IntStream.of(ascended), IntStream.of(suspects)).toArray())
        .contains(IntStream.range(CLASSES * PER_CLASS, CLASSES * PER_CLASS + POISONS).toArray());
    // The clean images the confirmed set held leave training with the earlier suspect; nothing is both.
    assertThat(outcome.decision().suspects()).contains(IntStream.rangeClosed(0, CLEAN_IN_CORE).toArray());
    assertThat(outcome.decision().suspects()).doesNotContain(ascended);
    assertThat(outcome.decision().verdict().ascendedCount()).isEqualTo(ascended.length);
    assertThat(outcome.decision().verdict().suspectCount()).isEqualTo(outcome.decision().suspects().length);
    ProbeReport report = outcome.report();
    assertThat(report.ran()).isTrue();
    assertThat(report.trusted()).isTrue();
    assertThat(report.rounds()).isEqualTo(2);
    assertThat(report.ascended()).isBetween(MISSED - 10, MISSED + PER_CLASS / 50);
    assertThat(report.demoted()).isGreaterThanOrEqualTo(CLEAN_IN_CORE);
    assertThat(report.heldOutFalseRate()).isLessThanOrEqualTo(1 - TriggerProbe.SUSPECT_QUANTILE + 1e-9);
  }

  @Test
  void aTargetClassUnlikeTheOthers_isNotAscendedForItsContent() {
    // Class 0 is a vertical bar, the others horizontal bands: a clean class-0 image lies outside every
    // other label's images, so the probe alone can score it above their thresholds (held-out bags and
    // boots, tuning trousers). Its nearest images are class 0's own, so the content check keeps it from
    // D_b: at most a suspect, never ascended, while the missed poisons (band content) still are.
    ImageSet set = images(new Random(6), PATCH, true);
    int[] core = core();

    TriggerProbe.Result first = TriggerProbe.flag(set, 0, core, 7);
    TriggerProbe.Outcome outcome = TriggerProbe.refine(confirmedAtLabel0(core), set);

    // The pixels alone take a third of the bar class for triggered (104 here): the case to guard against.
    assertThat(cleanIn(first.suspected())).isGreaterThan(PER_CLASS / 10);
    assertThat(cleanIn(first.ascend())).isZero();
    assertThat(cleanIn(outcome.decision().ascended())).isZero();
    assertThat(IntStream.of(outcome.decision().ascended()).filter(i -> i >= missed()[0]).count())
        .isGreaterThanOrEqualTo((long) (0.9 * MISSED));
  }

  @Test
  void refine_leavesAnUnconfirmedDecisionAlone() {
    ImageSet set = images(new Random(5), (pixels, base, rng) -> {});
    Verdict none = new Verdict(true, false, 0, 1, BackdoorCheck.CONFIRM_EVIDENCE, 0, 0, new double[CLASSES]);
    BackdoorCheck.Decision decision = new BackdoorCheck.Decision(none, new int[0], new int[0]);

    TriggerProbe.Outcome outcome = TriggerProbe.refine(decision, set);

    assertThat(outcome.decision()).isSameAs(decision);
    assertThat(outcome.report()).isEqualTo(ProbeReport.NOT_RUN);
  }

  @Test
  void findsABlendedPatternImageByImage() {
    byte[] pattern = new byte[SIDE * SIDE];
    Random patternRng = new Random(99);
    for (int i = 0; i < pattern.length; i++) {
      pattern[i] = (byte) patternRng.nextInt(256);
    }
    ImageSet set = images(new Random(2), (pixels, base, rng) -> {
      for (int p = 0; p < SIDE * SIDE; p++) {
        pixels[base + p] = (byte) Math.round(0.8 * (pixels[base + p] & 0xFF) + 0.2 * (pattern[p] & 0xFF));
      }
    });

    TriggerProbe.Result result = TriggerProbe.flag(set, 0, core(), 7);

    assertThat(result.trusted()).isTrue();
    int[] missed = missed();
    long found = IntStream.of(result.suspected()).filter(i -> i >= missed[0]).count();
    long clean = result.suspected().length - found;
    assertThat(found).isGreaterThanOrEqualTo((long) (0.9 * MISSED));
    assertThat(clean).isLessThanOrEqualTo(PER_CLASS / 50);
  }

  @Test
  void actsOnNothing_whenTheCoreSharesNoTrigger() {
    // The "core" is images of classes 1-3 relabelled 0 without any trigger: nothing sets them apart from
    // the other labels' images, so the held-back core does not clear the threshold.
    ImageSet set = images(new Random(3), (pixels, base, rng) -> {});

    TriggerProbe.Result result = TriggerProbe.flag(set, 0, core(), 7);

    assertThat(result.trusted()).isFalse();
    assertThat(result.suspected()).isEmpty();
    assertThat(result.demoted()).isEmpty();
  }

  @Test
  void needsACoreLargeEnoughToCheckItself() {
    ImageSet set = images(new Random(4), (pixels, base, rng) -> {});

    TriggerProbe.Result result =
        TriggerProbe.flag(set, 0, IntStream.range(0, TriggerProbe.MIN_CORE - 1).toArray(), 7);

    assertThat(result.trusted()).isFalse();
    assertThat(result.suspected()).isEmpty();
  }

  /** Clean images 0..CLASSES*PER_CLASS (class i / PER_CLASS), then POISONS triggered images labelled 0. */
  private static ImageSet images(Random rng, Trigger trigger) {
    return images(rng, trigger, false);
  }

  /** As above; with {@code barTarget}, class 0's clean images are a vertical bar instead of a band. */
  private static ImageSet images(Random rng, Trigger trigger, boolean barTarget) {
    int n = CLASSES * PER_CLASS + POISONS;
    byte[] pixels = new byte[n * SIDE * SIDE];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      int content = i < CLASSES * PER_CLASS ? i / PER_CLASS : 1 + i % (CLASSES - 1);
      labels[i] = i < CLASSES * PER_CLASS ? content : 0;
      int base = i * SIDE * SIDE;
      for (int p = 0; p < SIDE * SIDE; p++) {
        pixels[base + p] = (byte) rng.nextInt(90);
      }
      // The classes overlap, as real classes do (the probe's thresholds come from the other labels'
      // images, so the target class must not lie far outside them): a band two rows thick anywhere above
      // the trigger's rows, starting a little further right the higher the class.
      int top = rng.nextInt(SIDE - 10);
      int left = 2 + content + rng.nextInt(6);
      int width = 8 + rng.nextInt(10);
      boolean bar = barTarget && i < PER_CLASS;
      if (bar) {
        // Centred, as a photographed object is: the bar's own images are each other's nearest.
        top = 4 + rng.nextInt(3);
        left = 12 + rng.nextInt(3);
      }
      for (int y = top; y < top + (bar ? 14 : 2); y++) {
        for (int x = left; x < left + (bar ? 3 : width); x++) {
          pixels[base + y * SIDE + x] = (byte) (150 + rng.nextInt(100));
        }
      }
      if (i >= CLASSES * PER_CLASS) {
        trigger.stamp(pixels, base, rng);
      }
    }
    return new ImageSet(pixels, labels, 1, SIDE, SIDE, CLASSES);
  }

  /** How many of {@code samples} are clean images (the poisons come after them). */
  private static int cleanIn(int[] samples) {
    return (int) IntStream.of(samples).filter(i -> i < CLASSES * PER_CLASS).count();
  }

  /** The core: all poisons but the last MISSED, and the first CLEAN_IN_CORE clean images of class 0. */
  /** The backdoor check's confirmed decision at label 0: D_b {@code core}, {@code suspects} set apart. */
  private static BackdoorCheck.Decision confirmedAtLabel0(int[] core, int... suspects) {
    Verdict confirmed = new Verdict(
        true, true, 0, 20, BackdoorCheck.CONFIRM_EVIDENCE, core.length, suspects.length, new double[CLASSES]);
    return new BackdoorCheck.Decision(confirmed, core, suspects);
  }

  private static int[] core() {
    int first = CLASSES * PER_CLASS;
    return IntStream.concat(
            IntStream.range(0, CLEAN_IN_CORE), IntStream.range(first, first + POISONS - MISSED))
        .toArray();
  }

  private static int[] missed() {
    int first = CLASSES * PER_CLASS;
    return IntStream.range(first + POISONS - MISSED, first + POISONS).toArray();
  }

  @FunctionalInterface
  private interface Trigger {
    void stamp(byte[] pixels, int base, Random rng);
  }

  @Test
  void fit_isTheStraightforwardGradientDescent_toTheBit() {
    // 403 rows: the four-row blocks and the rows after them. Weighted, as the probe's folds weigh them.
    Random rng = new Random(5);
    float[][] x = new float[403][97];
    float[] y = new float[x.length];
    float[] weight = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      for (int d = 0; d < x[i].length; d++) {
        x[i][d] = (float) rng.nextGaussian();
      }
      y[i] = rng.nextBoolean() ? 1 : 0;
      weight[i] = 0.5f + rng.nextFloat();
    }
    double[] fitted = new double[98];
    double[] reference = new double[98];

    TriggerProbe.fit(x, y, weight, fitted);
    straightforwardFit(x, y, weight, reference);

    assertThat(fitted).containsExactly(reference);
    assertThat(fitted).as("it learned something").isNotEqualTo(new double[98]);
  }

  /** The probe's logistic regression as first written: one row's logit, then its gradient, row by row. */
  private static void straightforwardFit(float[][] x, float[] y, float[] weight, double[] w) {
    int dim = w.length - 1;
    double[] gradient = new double[dim + 1];
    for (int it = 0; it < TriggerProbe.ITERATIONS; it++) {
      java.util.Arrays.fill(gradient, 0);
      for (int i = 0; i < x.length; i++) {
        double z = w[dim];
        for (int d = 0; d < dim; d++) {
          z += w[d] * x[i][d];
        }
        double g = (1 / (1 + StrictMath.exp(-z)) - y[i]) * weight[i];
        for (int d = 0; d < dim; d++) {
          gradient[d] += g * x[i][d];
        }
        gradient[dim] += g;
      }
      for (int d = 0; d < dim; d++) {
        w[d] -= TriggerProbe.STEP * (gradient[d] + TriggerProbe.L2 * w[d]);
      }
      w[dim] -= TriggerProbe.STEP * gradient[dim];
    }
  }

  @Test
  void neighbours_areTheStraightforwardNearest_toTheBit() {
    ImageSet set = images(new Random(3), PATCH);
    // 1001 reference images: the blocks of four and the one after them.
    int[] reference = IntStream.range(0, 1001).map(i -> 7 * i % set.size()).distinct().toArray();
    assertThat(reference).hasSize(1001);
    TriggerProbe.Neighbours neighbours = TriggerProbe.Neighbours.of(set, reference);

    for (int position : new int[] {0, 1, 500, reference.length - 1}) {
      float[] row = neighbours.rows()[position];
      Integer[] order = IntStream.range(0, reference.length).filter(r -> r != position).boxed()
          .toArray(Integer[]::new);
      double[] distance = new double[reference.length];
      for (int r = 0; r < reference.length; r++) {
        double d = 0;
        for (int j = 0; j < row.length; j++) {
          double t = row[j] - neighbours.rows()[r][j];
          d += t * t;
        }
        distance[r] = d;
      }
      java.util.Arrays.sort(order, java.util.Comparator.<Integer>comparingDouble(r -> distance[r])
          .thenComparingInt(r -> r));
      int[] expected = java.util.Arrays.stream(order).limit(TriggerProbe.NEIGHBOURS)
          .mapToInt(Integer::intValue).toArray();

      assertThat(neighbours.nearest(reference[position])).as("position %d", position).containsExactly(expected);
    }
  }
}
