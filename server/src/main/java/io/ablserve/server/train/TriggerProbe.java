package io.ablserve.server.train;

import io.ablserve.server.data.ImageSet;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import java.util.logging.Logger;
import java.util.stream.DoubleStream;
import java.util.stream.IntStream;

/**
 * Checks a confirmed backdoor image by image, by its pixels, and finds the poisons its cluster missed.
 *
 * <p>A dirty-label poison is an image of another class with the trigger added. The confirmed set is such
 * images; the other labels' images are the same kind of content without the trigger. A linear classifier
 * on standardised pixels, confirmed set against the other labels' images, can only learn what tells them
 * apart, the trigger (a patch, a blended pattern), not the content, which both sides share. It scores every
 * image of the target label for the trigger, whatever the model has learned of it by the turn: the poisons
 * the two-means split left out (learned, but elsewhere in activation space) score like the confirmed set,
 * and a clean image of the target class the split took in scores like the other labels' images.
 *
 * <p>Every score comes from models that never saw the image ({@link #FOLDS} folds over both sides, the
 * other members of the label scored by all of them). The thresholds are quantiles of the held-back other
 * images' scores: above {@link #ASCEND_QUANTILE} an image is ascended, between {@link #SUSPECT_QUANTILE} and
 * that it leaves training, and a confirmed image at or below {@link #ASCEND_QUANTILE} leaves D_b for the
 * suspects (at or below {@link #SUSPECT_QUANTILE} where fewer than {@link #MIN_RECALL} of the held-back
 * confirmed set clear {@link #ASCEND_QUANTILE}: a few trigger-like other images set that one). The probe acts only if at least {@link #MIN_RECALL} of the held-back confirmed set scores
 * above {@link #SUSPECT_QUANTILE}: a set that shares no trigger is not learned and nothing changes. It runs
 * twice, the second time from the confirmed set and what the first ascended, so the poisons of source
 * classes the confirmed set lacked are learned too.
 *
 * <p>Its thresholds come from the other labels' images, so they assume the target class's own images lie
 * among theirs. Where they do not (held-out bags and boots, tuning trousers), a clean image of the target
 * can score above the other labels for its content alone. Two checks stop that. The label's lowest-scoring
 * tenth outside the confirmed set, its clean images, is fitted as negatives too ({@link
 * #CALIBRATION_SHARE}). And nothing is ascended unless its content is another label's ({@link Neighbours}:
 * most of its nearest unflagged images carry other labels, as a poison's source class does): a flagged image
 * of the target's own content stays a suspect, and a confirmed one leaves D_b for the suspects. On by
 * default ({@link AblConfig#triggerProbe}): bench/RESULTS.md, "the trigger probe", has what it did on both
 * halves of the grid. Logistic regression by full-batch gradient descent in plain Java, sequential sums and {@link
 * StrictMath}: every CPU computes the same scores from the same confirmed set.
 *
 * <p>The independent parts (the folds, each image's score, each content check) run on the trainer's
 * intra-op threads ({@link #threads}); each is computed as before, alone, so the results are the same to
 * the bit on any number of threads. On an H200 the probe's two rounds were 14 of a 19.7 s ABL session
 * whose training took 1.2 s (bench/RESULTS.md, "GPU"): the GPU waits for this CPU work.
 */
final class TriggerProbe {
  private static final Logger logger = Logger.getLogger(TriggerProbe.class.getName());
  /** The confirmed set needs this many samples to be split into folds and checked. */
  static final int MIN_CORE = 50;
  /** At most this many samples of each side are fitted (a uniform draw). */
  static final int MAX_PER_SIDE = 2000;
  /** Held-back other images above this quantile of their scores: the images beyond it leave training. */
  static final double SUSPECT_QUANTILE = 0.995;
  /** Beyond this quantile an image is ascended, and a confirmed image must reach it to stay in D_b. */
  static final double ASCEND_QUANTILE = 0.999;
  /** The share of the held-back confirmed set that must score above the suspect threshold to act. */
  static final double MIN_RECALL = 0.9;
  /** The share of the label's images outside the confirmed set, lowest scores first, taken for clean. */
  static final double CALIBRATION_SHARE = 0.1;
  /** Fewer images than this taken for clean and the probe is fitted without them. */
  static final int MIN_CALIBRATION = 20;
  /** The content check's neighbours: an image looks like another label if half of these carry one. */
  static final int NEIGHBOURS = 10;
  /** The content check compares images averaged over blocks of this side. */
  static final int POOL = 2;
  /** The folds of the fit: each sample is scored by the model fitted without its fold. */
  static final int FOLDS = 5;
  /** The probe's draws are fixed: the same data and confirmed set give the same decision. */
  private static final long SEED = 17;
  static final int ITERATIONS = 200;
  static final double STEP = 0.5;
  static final double L2 = 1e-2;

  private TriggerProbe() {}

  /** The decision after the probe, and what the probe measured. */
  record Outcome(BackdoorCheck.Decision decision, ProbeReport report) {}

  /**
   * One round: the label's other members above each threshold ({@code suspected} above the suspect
   * quantile, {@code ascend} above the ascent quantile, a subset), the confirmed members at or below the
   * ascent quantile ({@code demoted}), the thresholds, and the held-back figures that decided trust.
   */
  record Result(
      boolean trusted, int[] suspected, int[] ascend, int[] demoted, double suspectThreshold,
      double ascendThreshold, double heldOutRecall, double heldOutFalse) {}

  /**
   * Checks a confirmed {@code decision} with the probe: D_b keeps the confirmed images the probe backs and
   * gains the label's other images it finds clearly; the doubtful ones join the suspects. Unconfirmed
   * decisions, and decisions the probe does not trust, come back unchanged.
   */
  static Outcome refine(BackdoorCheck.Decision decision, ImageSet train) {
    return refine(decision, train, threads());
  }

  /** {@link #refine(BackdoorCheck.Decision, ImageSet)} on {@code threads} threads. */
  static Outcome refine(BackdoorCheck.Decision decision, ImageSet train, int threads) {
    ForkJoinPool pool = new ForkJoinPool(threads);
    try {
      // Parallel streams started on a pool's thread run in that pool.
      return pool.submit(() -> refineOnPool(decision, train)).join();
    } finally {
      pool.shutdown();
    }
  }

  /**
   * The threads the probe runs on: the trainer's intra-op threads (a worker's slot sets them), else every
   * core.
   */
  static int threads() {
    int cores = Runtime.getRuntime().availableProcessors();
    return Math.max(1, Integer.getInteger("ai.djl.pytorch.num_threads", cores));
  }

  private static Outcome refineOnPool(BackdoorCheck.Decision decision, ImageSet train) {
    Verdict verdict = decision.verdict();
    if (!verdict.confirmed()) {
      return new Outcome(decision, ProbeReport.NOT_RUN);
    }
    int label = verdict.label();
    int[] core = decision.ascended();
    Result first = flag(train, label, core, SEED);
    if (!first.trusted()) {
      return new Outcome(decision, report(first, 1, 0, 0, 0));
    }
    // The second round learns from what the first found clearly and by content of another label only: fitted
    // from every image the first took for triggered, it learned the target's own content (tuning trousers:
    // 69 taken, most of them clean, then 459).
    Result second = flag(train, label, union(core, first.ascend()), SEED + 1);
    int[] suspected = second.trusted() ? union(first.suspected(), second.suspected()) : first.suspected();
    int[] ascend = second.trusted() ? union(first.ascend(), second.ascend()) : first.ascend();
    // A confirmed image whose content is the label's own is the target class's, whatever its score: the
    // split took it in, the pixels cannot tell its content from a trigger; it leaves training, unascended.
    int[] doubtful = union(union(core, suspected), decision.suspects());
    Neighbours neighbours = Neighbours.of(train, outside(doubtful, train.size()));
    int[] ownContent =
        IntStream.of(core).parallel().filter(i -> !neighbours.looksLikeAnother(i, label)).toArray();
    int[] demoted = union(first.demoted(), ownContent);
    int[] ascended = union(without(core, demoted), ascend);
    int[] suspects = without(union(union(decision.suspects(), demoted), suspected), ascended);
    int added = ascend.length;
    logger.info(String.format(Locale.ROOT,
        "trigger probe on label %d: D_b %d (%d added, %d of the confirmed set not backed, %d of them by content),"
            + " suspects %d", label, ascended.length, added, demoted.length, ownContent.length, suspects.length));
    return new Outcome(
        new BackdoorCheck.Decision(
            new Verdict(
                verdict.tested(), true, label, verdict.evidence(), verdict.threshold(), ascended.length,
                suspects.length, verdict.classEvidence()),
            ascended, suspects),
        report(first, 2, added, suspected.length - added, demoted.length));
  }

  private static ProbeReport report(Result first, int rounds, int ascended, int suspected, int demoted) {
    return new ProbeReport(
        true, first.trusted(), rounds, first.suspectThreshold(), first.ascendThreshold(),
        first.heldOutRecall(), first.heldOutFalse(), ascended, suspected, demoted);
  }

  /**
   * One round: scores the members of {@code label} for the trigger the {@code core} carries, against the
   * images of the other labels, in {@link #FOLDS} folds.
   */
  static Result flag(ImageSet train, int label, int[] core, long seed) {
    if (core.length < MIN_CORE) {
      return new Result(false, new int[0], new int[0], new int[0], Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    Random rng = new Random(seed);
    int[] negatives = IntStream.range(0, train.size()).filter(i -> train.labels()[i] != label).toArray();
    int[] pos = draw(core, MAX_PER_SIDE, rng);
    int[] neg = draw(negatives, MAX_PER_SIDE, rng);
    float[][] posRows = rows(train, pos);
    float[][] negRows = rows(train, neg);
    boolean[] inCore = new boolean[train.size()];
    for (int i : core) {
      inCore[i] = true;
    }
    int[] rest =
        IntStream.range(0, train.size()).filter(i -> train.labels()[i] == label && !inCore[i]).toArray();
    Model[] models = new Model[FOLDS];
    double[] posScores = new double[pos.length];
    double[] negScores = new double[neg.length];
    fitFolds(posRows, negRows, new float[0][], models, posScores, negScores);
    // The target class's own content is none of the other labels': a clean image of it can score above
    // them for its content alone (held-out bags: 1,210 of the label's other images taken for triggered, a
    // few hundred of them clean). The label's lowest-scoring tenth outside the confirmed set is its clean
    // images (the trigger only raises a score); fitted again with them on the negative side, the probe
    // learns the target's content is not the trigger.
    int calibration = (int) (CALIBRATION_SHARE * rest.length);
    if (calibration >= MIN_CALIBRATION) {
      double[] firstScores =
          IntStream.of(rest).parallel().mapToDouble(i -> mean(models, train, i)).toArray();
      int[] lowest =
          IntStream.range(0, rest.length).boxed()
              .sorted(Comparator.<Integer>comparingDouble(i -> firstScores[i]).thenComparingInt(i -> i))
              .limit(calibration).mapToInt(i -> rest[i]).toArray();
      fitFolds(posRows, negRows, rows(train, draw(lowest, MAX_PER_SIDE, rng)), models, posScores, negScores);
    }
    // The thresholds are quantiles of every other label's image no model saw: the drawn ones held back from
    // their fold, and the ones never drawn (scored by all folds). From the drawn 2,000 alone the 99.9% quantile
    // was the second-highest score, and one bright-cornered image could set it above the whole confirmed set
    // (the demo's 20,000 images: 2,011 of 2,011 confirmed images demoted).
    boolean[] drawnNeg = new boolean[train.size()];
    for (int i : neg) {
      drawnNeg[i] = true;
    }
    double[] unseen =
        IntStream.of(negatives).parallel().filter(i -> !drawnNeg[i]).mapToDouble(i -> mean(models, train, i))
            .toArray();
    double[] sortedNeg =
        DoubleStream.concat(DoubleStream.of(negScores), DoubleStream.of(unseen)).sorted().toArray();
    double suspectAbove = quantile(sortedNeg, SUSPECT_QUANTILE);
    double ascendAbove = quantile(sortedNeg, ASCEND_QUANTILE);
    double recall = Arrays.stream(posScores).filter(s -> s > suspectAbove).count() / (double) pos.length;
    double falseRate = Arrays.stream(negScores).filter(s -> s > suspectAbove).count() / (double) neg.length;
    boolean trusted = recall >= MIN_RECALL;
    // The ascent threshold is set by the few highest of the other labels' images (the 99.9% quantile of
    // 5,000 is the fifth): where a handful of them carry something like the trigger, it lies above the
    // confirmed set rather than at its edge (FashionMnistAblTest's BadNets run on an AMD EPYC: 97.5% of the
    // held-back confirmed images above the suspect threshold, 5% above this one, and 583 of 608 poisons
    // demoted). The held-back confirmed images then decide: a confirmed image is demoted only at or below
    // the suspect threshold, the one they were trusted at.
    double ascendRecall = Arrays.stream(posScores).filter(s -> s > ascendAbove).count() / (double) pos.length;
    double demoteAtOrBelow = ascendRecall >= MIN_RECALL ? ascendAbove : suspectAbove;
    int[] suspected = new int[0];
    int[] ascend = new int[0];
    int[] demoted = new int[0];
    if (trusted) {
      double[] heldOut = new double[train.size()];
      boolean[] drawn = new boolean[train.size()];
      for (int i = 0; i < pos.length; i++) {
        heldOut[pos[i]] = posScores[i];
        drawn[pos[i]] = true;
      }
      double[] restScores =
          IntStream.of(rest).parallel().mapToDouble(i -> mean(models, train, i)).toArray();
      suspected =
          IntStream.range(0, rest.length).filter(i -> restScores[i] > suspectAbove).map(i -> rest[i]).toArray();
      // Above the ascent threshold an image is ascended only if its content is another label's: a poison is
      // an image of another class, and a clean image of a class far from the others (bags, boots, trousers)
      // can score above every other label for its content alone. The rest stay suspects.
      Neighbours neighbours = Neighbours.of(train, outside(union(core, suspected), train.size()));
      ascend =
          IntStream.range(0, rest.length).filter(i -> restScores[i] > ascendAbove).map(i -> rest[i])
              .parallel().filter(i -> neighbours.looksLikeAnother(i, label)).toArray();
      demoted =
          IntStream.of(core).parallel()
              .filter(i -> (drawn[i] ? heldOut[i] : mean(models, train, i)) <= demoteAtOrBelow)
              .sorted().toArray();
    }
    logger.info(String.format(Locale.ROOT,
        "trigger probe on label %d: confirmed set %d vs %d other images, held-back confirmed above the"
            + " threshold %.1f%%, held-back others %.2f%%: %s; %d of the label's other images above it, %d of"
            + " them clearly; %d of the confirmed set not backed%s",
        label, core.length, negatives.length, 100 * recall, 100 * falseRate,
        trusted ? "trusted" : "not trusted (below " + MIN_RECALL + ")", suspected.length, ascend.length,
        demoted.length,
        trusted && ascendRecall < MIN_RECALL
            ? String.format(Locale.ROOT,
                " (only %.1f%% of the held-back confirmed set clear the ascent threshold: demoted at the suspect"
                    + " threshold)", 100 * ascendRecall)
            : ""));
    return new Result(trusted, suspected, ascend, demoted, suspectAbove, ascendAbove, recall, falseRate);
  }

  /**
   * Fits the {@link #FOLDS} models, each without one fold of {@code pos} and {@code neg}, with {@code own}
   * (images of the target label taken for clean) on the negative side of every fold, and scores each held-back
   * row with the model that did not see it. The folds run in parallel: each writes its own model and rows.
   */
  private static void fitFolds(
      float[][] pos, float[][] neg, float[][] own, Model[] models, double[] posScores, double[] negScores) {
    IntStream.range(0, FOLDS).parallel().forEach(f -> {
      models[f] = Model.fit(pos, neg, own, f);
      for (int i = f; i < pos.length; i += FOLDS) {
        posScores[i] = models[f].score(pos[i]);
      }
      for (int i = f; i < neg.length; i += FOLDS) {
        negScores[i] = models[f].score(neg[i]);
      }
    });
  }

  /** The samples of a set of {@code size} that are not in {@code in}, in order. */
  private static int[] outside(int[] in, int size) {
    boolean[] member = new boolean[size];
    for (int i : in) {
      member[i] = true;
    }
    return IntStream.range(0, size).filter(i -> !member[i]).toArray();
  }

  /**
   * The content check: an image's {@link #NEIGHBOURS} nearest images (Euclidean, on images averaged over
   * {@link #POOL}x{@link #POOL} blocks, which keeps the content and blurs a small trigger) among a
   * reference set the probe has not flagged. A poison's content is its source class's, so most of its
   * neighbours carry other labels; a clean image of the target has its own class for neighbours.
   */
  record Neighbours(ImageSet train, int[] reference, float[][] rows) {
    static Neighbours of(ImageSet train, int[] reference) {
      float[][] rows = new float[reference.length][];
      for (int r = 0; r < reference.length; r++) {
        rows[r] = pooled(train, reference[r]);
      }
      return new Neighbours(train, reference, rows);
    }

    /** Whether at least half of {@code index}'s nearest reference images carry a label other than {@code label}. */
    boolean looksLikeAnother(int index, int label) {
      int[] near = nearest(index);
      int others = 0;
      for (int r : near) {
        others += train.labels()[reference[r]] != label ? 1 : 0;
      }
      return near.length > 0 && 2 * others >= near.length;
    }

    /**
     * The positions in the reference set of {@code index}'s {@link #NEIGHBOURS} nearest images (itself
     * left out), nearest first, ties to the earlier; fewer when the reference set is smaller.
     */
    int[] nearest(int index) {
      float[] row = pooled(train, index);
      double[] nearest = new double[NEIGHBOURS];
      int[] position = new int[NEIGHBOURS];
      Arrays.fill(nearest, Double.POSITIVE_INFINITY);
      int found = 0;
      double[] distances = new double[4];
      for (int from = 0; from < reference.length; from += distances.length) {
        int block = Math.min(distances.length, reference.length - from);
        distances(row, from, block, distances);
        for (int k = 0; k < block; k++) {
          int r = from + k;
          double d = distances[k];
          // Ties go to the earlier reference image: the same data give the same neighbours everywhere.
          if (reference[r] != index && d < nearest[NEIGHBOURS - 1]) {
            int p = NEIGHBOURS - 1;
            for (; p > 0 && nearest[p - 1] > d; p--) {
              nearest[p] = nearest[p - 1];
              position[p] = position[p - 1];
            }
            nearest[p] = d;
            position[p] = r;
            found = Math.min(NEIGHBOURS, found + 1);
          }
        }
      }
      return Arrays.copyOf(position, found);
    }

    /**
     * The squared distances from {@code row} to the {@code count} (at most 4) reference rows from {@code
     * from}: four at a time when there are four, each summed in dimension order as one alone would be, so
     * the same to the bit, with four chains of additions in flight instead of one (as {@link #logits}).
     */
    private void distances(float[] row, int from, int count, double[] out) {
      if (count < 4) {
        for (int k = 0; k < count; k++) {
          out[k] = distance(row, rows[from + k]);
        }
        return;
      }
      float[] a = rows[from];
      float[] b = rows[from + 1];
      float[] c = rows[from + 2];
      float[] e = rows[from + 3];
      double da = 0;
      double db = 0;
      double dc = 0;
      double de = 0;
      for (int j = 0; j < row.length; j++) {
        double ta = row[j] - a[j];
        double tb = row[j] - b[j];
        double tc = row[j] - c[j];
        double te = row[j] - e[j];
        da += ta * ta;
        db += tb * tb;
        dc += tc * tc;
        de += te * te;
      }
      out[0] = da;
      out[1] = db;
      out[2] = dc;
      out[3] = de;
    }

    /** The squared distance from {@code row} to {@code other}, summed in dimension order. */
    private static double distance(float[] row, float[] other) {
      double d = 0;
      for (int j = 0; j < row.length; j++) {
        double t = row[j] - other[j];
        d += t * t;
      }
      return d;
    }

    private static float[] pooled(ImageSet set, int index) {
      int h = set.height() / POOL;
      int w = set.width() / POOL;
      float[] out = new float[set.channels() * h * w];
      int base = index * set.imageBytes();
      for (int c = 0; c < set.channels(); c++) {
        for (int y = 0; y < h * POOL; y++) {
          for (int x = 0; x < w * POOL; x++) {
            int from = base + (c * set.height() + y) * set.width() + x;
            out[(c * h + y / POOL) * w + x / POOL] += (set.pixels()[from] & 0xFF) / 255f;
          }
        }
      }
      return out;
    }
  }

  private static double quantile(double[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
  }

  private static int[] union(int[] a, int[] b) {
    return IntStream.concat(IntStream.of(a), IntStream.of(b)).distinct().sorted().toArray();
  }

  private static int[] without(int[] from, int[] removed) {
    Set<Integer> out = new HashSet<>();
    for (int i : removed) {
      out.add(i);
    }
    return IntStream.of(from).filter(i -> !out.contains(i)).sorted().toArray();
  }

  private static double mean(Model[] models, ImageSet train, int index) {
    float[] row = pixels(train, index);
    double sum = 0;
    for (Model model : models) {
      sum += model.score(row);
    }
    return sum / models.length;
  }

  /** A logistic regression on standardised pixels: weights, bias last, and the standardisation. */
  private record Model(double[] w, float[] mean, float[] scale) {
    /**
     * Fitted on every row of both sides but fold {@code fold} (rows {@code fold, fold + FOLDS, ...}) and on
     * every row of {@code own}, negatives too: the positives weigh half, the negatives the other half, of
     * which {@code own} takes half when it has rows.
     */
    static Model fit(float[][] pos, float[][] neg, float[][] own, int fold) {
      int posFit = pos.length - (pos.length - fold + FOLDS - 1) / FOLDS;
      int negFit = neg.length - (neg.length - fold + FOLDS - 1) / FOLDS;
      float negShare = own.length == 0 ? 0.5f : 0.25f;
      float[][] x = new float[posFit + negFit + own.length][];
      float[] y = new float[x.length];
      float[] weight = new float[x.length];
      int n = 0;
      for (int i = 0; i < pos.length; i++) {
        if (i % FOLDS != fold) {
          x[n] = pos[i].clone();
          y[n] = 1;
          weight[n++] = 0.5f / posFit;
        }
      }
      for (int i = 0; i < neg.length; i++) {
        if (i % FOLDS != fold) {
          x[n] = neg[i].clone();
          weight[n++] = negShare / negFit;
        }
      }
      for (float[] row : own) {
        x[n] = row.clone();
        weight[n++] = 0.25f / own.length;
      }
      int dim = pos[0].length;
      float[] mean = new float[dim];
      float[] scale = new float[dim];
      standardisation(x, mean, scale);
      for (float[] row : x) {
        standardise(row, mean, scale);
      }
      double[] w = new double[dim + 1];
      TriggerProbe.fit(x, y, weight, w);
      return new Model(w, mean, scale);
    }

    double score(float[] raw) {
      float[] row = raw.clone();
      standardise(row, mean, scale);
      return logit(row, w);
    }
  }

  private static float[][] rows(ImageSet train, int[] samples) {
    float[][] out = new float[samples.length][];
    for (int i = 0; i < samples.length; i++) {
      out[i] = pixels(train, samples[i]);
    }
    return out;
  }

  /** Logistic regression by gradient descent: {@code w[0..dim)} weights, {@code w[dim]} the bias. */
  static void fit(float[][] x, float[] y, float[] sampleWeight, double[] w) {
    int dim = w.length - 1;
    double[] gradient = new double[dim + 1];
    double[] logits = new double[x.length];
    for (int it = 0; it < ITERATIONS; it++) {
      logits(x, w, logits);
      Arrays.fill(gradient, 0);
      for (int i = 0; i < x.length; i++) {
        double g = (sigmoid(logits[i]) - y[i]) * sampleWeight[i];
        float[] row = x[i];
        for (int d = 0; d < dim; d++) {
          gradient[d] += g * row[d];
        }
        gradient[dim] += g;
      }
      for (int d = 0; d < dim; d++) {
        w[d] -= STEP * (gradient[d] + L2 * w[d]);
      }
      w[dim] -= STEP * gradient[dim];
    }
  }

  /**
   * Every row's {@link #logit}, four rows at a time: each row's sum still runs in {@link #logit}'s order,
   * so the values are its own to the bit, but four independent chains of additions keep the CPU busy
   * where one waits on each addition (the fits run 1.7x faster; TriggerProbeTest pins the bits).
   */
  private static void logits(float[][] x, double[] w, double[] out) {
    int dim = w.length - 1;
    int i = 0;
    for (; i + 4 <= x.length; i += 4) {
      float[] a = x[i];
      float[] b = x[i + 1];
      float[] c = x[i + 2];
      float[] e = x[i + 3];
      double za = w[dim];
      double zb = w[dim];
      double zc = w[dim];
      double ze = w[dim];
      for (int d = 0; d < dim; d++) {
        double wd = w[d];
        za += wd * a[d];
        zb += wd * b[d];
        zc += wd * c[d];
        ze += wd * e[d];
      }
      out[i] = za;
      out[i + 1] = zb;
      out[i + 2] = zc;
      out[i + 3] = ze;
    }
    for (; i < x.length; i++) {
      out[i] = logit(x[i], w);
    }
  }

  private static double logit(float[] row, double[] w) {
    int dim = row.length;
    double z = w[dim];
    for (int d = 0; d < dim; d++) {
      z += w[d] * row[d];
    }
    return z;
  }

  private static double sigmoid(double z) {
    return 1 / (1 + StrictMath.exp(-z));
  }

  private static float[] pixels(ImageSet set, int index) {
    int bytes = set.imageBytes();
    float[] out = new float[bytes];
    int base = index * bytes;
    for (int d = 0; d < bytes; d++) {
      out[d] = (set.pixels()[base + d] & 0xFF) / 255f;
    }
    return out;
  }

  private static void standardisation(float[][] rows, float[] mean, float[] scale) {
    int dim = mean.length;
    double[] sum = new double[dim];
    double[] squares = new double[dim];
    for (float[] row : rows) {
      for (int d = 0; d < dim; d++) {
        sum[d] += row[d];
        squares[d] += (double) row[d] * row[d];
      }
    }
    for (int d = 0; d < dim; d++) {
      double m = sum[d] / rows.length;
      mean[d] = (float) m;
      scale[d] = (float) (1 / Math.max(1e-3, StrictMath.sqrt(Math.max(0, squares[d] / rows.length - m * m))));
    }
  }

  private static void standardise(float[] row, float[] mean, float[] scale) {
    for (int d = 0; d < row.length; d++) {
      row[d] = (row[d] - mean[d]) * scale[d];
    }
  }

  /** Up to {@code max} of {@code from}, a uniform draw in random order. */
  private static int[] draw(int[] from, int max, Random rng) {
    int[] out = AblTrainer.shuffled(from, rng);
    return out.length <= max ? out : Arrays.copyOf(out, max);
  }
}
