package io.ablserve.server.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.logging.Logger;
import java.util.stream.IntStream;

/**
 * Decides whether a label hides a backdoor, and which of its samples are the backdoor's.
 *
 * <p>All-to-one poisons share their target label and, once the trigger is learned, a representation: the
 * trigger, not the image, decides their penultimate activations. Each label's samples are split in two by
 * two-means on their unit-normalised activations, started from the label's lowest-loss tenth (activation
 * clustering, Chen et al. 2018, seeded by ABL's loss signal); the half with the lower median loss is the
 * candidate cluster. A cluster that is most of its label ({@link #MAX_SHARE}) leaves no rest to compare
 * with and is not a candidate: an easy class's bulk beside a few hard outliers looks like that.
 *
 * <p>A clean class also splits, into sub-types, and no single measure tells the two apart on the tuning
 * half of the evaluation grid (bench/RESULTS.md "Verdict"): separations are 4.8-6.4 for triggers and up to
 * 5.0 for clean classes; the loss gap between the halves is 3.6-7.8 nats for triggers and up to 3.7 for an
 * easy clean class; the runner-up diversity is 0.72-0.96 for triggers and up to 0.83 for the diverse bag
 * class. Each measures a different property of a trigger's cluster, and together they separate it:
 *
 * <ul>
 *   <li><b>separation</b>: the cluster stands apart from the rest of its label, in pooled standard
 *       deviations along the line joining the halves' means;
 *   <li><b>loss gap</b>: ABL's own signal, the cluster was learned far faster than the rest of its label:
 *       ln(median loss of the rest / median loss of the cluster);
 *   <li><b>runner-up diversity</b>: its images come from the other classes. The model still sees their
 *       content, so each member's best class other than its label spreads over the other classes, while a
 *       clean sub-type's runner-up is the one or two classes it resembles (entropy over ln(classes - 1)).
 * </ul>
 *
 * The evidence for a label is their product; a backdoor is confirmed when the strongest label's evidence
 * reaches {@link #CONFIRM_EVIDENCE} and its cluster's runner-ups are more diverse than its rest's ({@link
 * Candidate#clusterMoreDiverse}). On the tuning half clean labels reached at most 4.8 and learned triggers 9.4
 * to 56. Two labels above the threshold (Blend 20% at 9.4, WaNet at 7.4) were clusters of the target class's
 * own easy images with the trigger not yet learned: their rests, the waiting poisons, were the more diverse
 * half (0.91 and 0.90 against 0.45 and 0.67), where every true trigger's cluster led its rest by 0.19 or more.
 * Each measure is a statistic over hundreds of samples: the last bits of a CPU's arithmetic do not move the
 * decision across those gaps.
 *
 * <p>Once confirmed, only the cluster's members that lie clearly beyond the rest of their label ({@link
 * #CLEAR_DEVIATIONS} of its spread along the line joining the two means) are ascended. The cluster's other
 * members, and the members of the rest whose loss looks like the cluster's, are suspects and leave training
 * rather than being ascended: a clean sample among them costs its image, not its class. Clean-label poisons
 * (SIG) are images of their own label and are not confirmed this way.
 */
final class BackdoorCheck {
  private static final Logger logger = Logger.getLogger(BackdoorCheck.class.getName());
  /** Clusters and rests need this many samples to be measured. */
  static final int MIN_SAMPLES = 5;
  /** The share of a label, lowest loss first, that starts its cluster. */
  static final double SEED_SHARE = 0.1;
  /** A cluster that holds more than this share of its label is not a candidate. */
  static final double MAX_SHARE = 0.8;
  /**
   * The evidence that confirms a backdoor, chosen on the tuning half of the evaluation grid (bench/RESULTS.md
   * "Verdict"): clean labels reached at most 4.8, learned triggers 7.4 and more; their geometric mean.
   */
  static final double CONFIRM_EVIDENCE = 6.0;
  /** A cluster member is ascended only this many of the rest's deviations beyond the rest's mean. */
  static final double CLEAR_DEVIATIONS = 3.0;

  private BackdoorCheck() {}

  /** The verdict, the samples to ascend (D_b) and the suspects to leave out, both sorted. */
  record Decision(Verdict verdict, int[] ascended, int[] suspects) {}

  /**
   * A label's candidate cluster and its rest (training indices), with each member's projection on the line
   * from the rest's mean to the cluster's ({@code members} order), the halves' separation in pooled standard
   * deviations, and the diversity of the cluster's runner-up classes.
   */
  record Candidate(
      int label,
      int[] members,
      boolean[] inCluster,
      double[] projection,
      float[] losses,
      double separation,
      double diversity,
      double restDiversity,
      double lossGap) {
    int[] cluster() {
      return pick(members, inCluster, true);
    }

    int[] rest() {
      return pick(members, inCluster, false);
    }

    /**
     * Separation times diversity times loss gap: a distinct cluster, whose images come from many other
     * classes, learned far faster than the rest of its label.
     */
    double evidence() {
      return separation * diversity * lossGap;
    }

    /**
     * Whether the cluster's runner-ups spread wider than the rest's: the half that holds a dirty-label
     * backdoor's images is the one whose content comes from the other classes. When the trigger is not yet
     * learned, the low-loss half is the label's own easy images and the poisons wait, unlearned and diverse,
     * in the rest: that cluster is not the backdoor's (tuning half: Blend 20% 0.45 vs 0.91, WaNet 0.67 vs
     * 0.90, where every confirmed trigger's cluster led its rest by 0.19 to 0.58).
     */
    boolean clusterMoreDiverse() {
      return diversity > restDiversity;
    }
  }

  /** The best class other than {@code excluded} for each of a list of training samples. */
  interface RunnerUp {
    int[] predict(int[] samples, int excluded);
  }

  /**
   * Every label's candidate cluster; {@code losses} are the training samples' eval-mode losses, {@code
   * features} gives the penultimate activations of a list of them and {@code runnerUp} their runner-ups.
   */
  static List<Candidate> candidates(
      float[] losses, int[] labels, int numClasses, Function<int[], float[][]> features, RunnerUp runnerUp) {
    return candidates(losses, losses, labels, numClasses, features, runnerUp);
  }

  /**
   * As {@link #candidates(float[], int[], int, Function, RunnerUp)}, each label's split started from its
   * lowest tenth by {@code seedScores} (an {@link IsolationSignal}'s scores) rather than by loss; which half
   * is the cluster, and the loss gap, still go by {@code losses}.
   */
  static List<Candidate> candidates(
      float[] losses, float[] seedScores, int[] labels, int numClasses, Function<int[], float[][]> features,
      RunnerUp runnerUp) {
    List<Candidate> out = new ArrayList<>();
    for (int c = 0; c < numClasses; c++) {
      int label = c;
      int[] members =
          IntStream.range(0, labels.length).filter(i -> labels[i] == label).boxed()
              .sorted(Comparator.<Integer>comparingDouble(i -> seedScores[i]).thenComparingInt(i -> i))
              .mapToInt(Integer::intValue).toArray();
      int seeds = (int) Math.ceil(SEED_SHARE * members.length);
      if (seeds < MIN_SAMPLES || members.length - seeds < MIN_SAMPLES) {
        continue;
      }
      float[] memberLosses = new float[members.length];
      for (int i = 0; i < members.length; i++) {
        memberLosses[i] = losses[members[i]];
      }
      float[][] rows = features.apply(members);
      boolean[] inCluster = TwoMeans.split(rows, seeds);
      if (median(memberLosses, inCluster, true) > median(memberLosses, inCluster, false)) {
        for (int i = 0; i < inCluster.length; i++) {
          inCluster[i] = !inCluster[i];
        }
      }
      int size = Isolation.count(inCluster);
      if (size < MIN_SAMPLES || members.length - size < MIN_SAMPLES || size > MAX_SHARE * members.length) {
        continue;
      }
      int[] cluster = pick(members, inCluster, true);
      double diversity = diversity(runnerUp.predict(cluster, label), label, numClasses);
      double restDiversity =
          diversity(runnerUp.predict(pick(members, inCluster, false), label), label, numClasses);
      double lossGap = lossGap(memberLosses, inCluster);
      Candidate candidate =
          measured(label, members, inCluster, rows, memberLosses, diversity, restDiversity, lossGap);
      logger.info(
          String.format(
              Locale.ROOT, "label %d: cluster of %d of %d, separation %.2f, runner-up diversity %.3f (rest"
                  + " %.3f), loss gap %.2f nats, evidence %.2f", label, cluster.length, members.length,
              candidate.separation(), diversity, restDiversity, lossGap, candidate.evidence()));
      out.add(candidate);
    }
    return out;
  }

  /** Confirms the candidate with the strongest evidence if it reaches {@link #CONFIRM_EVIDENCE}. */
  /**
   * How many times a second passing label's evidence the strongest must reach to be confirmed: below it the
   * two are rivals and neither is confirmed.
   */
  static final double RIVAL_RATIO = 2;

  static Decision decide(List<Candidate> candidates, int numClasses) {
    double[] evidence = new double[numClasses];
    Arrays.fill(evidence, Double.NaN);
    Candidate best = null;
    for (Candidate candidate : candidates) {
      evidence[candidate.label()] = candidate.evidence();
      if (best == null || stronger(candidate, best)) {
        best = candidate;
      }
    }
    if (best == null) {
      logger.info("no label split into a cluster and a rest: no backdoor confirmed");
      return new Decision(
          new Verdict(true, false, -1, Double.NaN, CONFIRM_EVIDENCE, 0, 0, evidence), new int[0], new int[0]);
    }
    // An all-to-one backdoor has one target. When a second label's cluster also passes and comes close, the
    // check cannot tell which one is the trigger's, and ascending the wrong one erases a clean class
    // (held-out BadNets 5% on sandals, seed 4: sneakers 7.81 over the true target's 6.87, 284 clean sneakers
    // ascended, that class at 0% and ASR kept): neither is confirmed. A trigger that stands far above a
    // passing runner-up is (held-out CL 5% on sneakers: 20.58 over bags' 6.16).
    Candidate first = best;
    Candidate rival =
        candidates.stream()
            .filter(c -> c != first && c.evidence() >= CONFIRM_EVIDENCE)
            .filter(c -> c.evidence() * RIVAL_RATIO > first.evidence())
            .max(Comparator.comparingDouble(Candidate::evidence))
            .orElse(null);
    boolean confirmed = best.evidence() >= CONFIRM_EVIDENCE && best.clusterMoreDiverse() && rival == null;
    int[][] parts = confirmed ? clearAndSuspect(best, true) : new int[][] {new int[0], new int[0]};
    logger.info(
        String.format(
            Locale.ROOT,
            "label %d has the strongest evidence: a cluster of %d at separation %.2f, runner-up diversity %.3f"
                + " (rest %.3f), evidence %.2f (threshold %.2f): %s; evidence by label %s",
            best.label(), best.cluster().length, best.separation(), best.diversity(), best.restDiversity(),
            best.evidence(), CONFIRM_EVIDENCE,
            confirmed ? "backdoor confirmed, " + parts[0].length + " ascended, " + parts[1].length + " suspects"
                : rival != null && best.evidence() >= CONFIRM_EVIDENCE
                    ? "no backdoor confirmed (label " + rival.label() + " passes too, at "
                        + String.format(Locale.ROOT, "%.2f", rival.evidence()) + ": which is the trigger's is unclear)"
                : best.clusterMoreDiverse() ? "no backdoor confirmed"
                    : "no backdoor confirmed (the cluster's runner-ups are less diverse than its rest's: the"
                        + " label's own easy images, not a trigger's)",
            Arrays.toString(evidence)));
    return new Decision(
        new Verdict(
            true, confirmed, best.label(), best.evidence(), CONFIRM_EVIDENCE, parts[0].length, parts[1].length,
            evidence),
        parts[0], parts[1]);
  }

  /**
   * Follows a backdoor confirmed at an earlier epoch: splits {@code verdict}'s label again, two-means
   * started from the {@code core} that was ascended then (not from the lowest losses), so the cluster is
   * the trigger's even when the label's easy clean images have caught up with it in loss. By the later
   * epoch the poisons the core missed have been learned and join it; the clear members are drawn as at the
   * first check, the cluster's others are suspects, and the core stays in D_b, its suspects suspects. The
   * rest's low-loss members are not suspects here: by now the label's easy clean images may have lower
   * losses than the trigger's; the first check's loss rule, taken while the gap was open, stands. No share limit applies: the label was
   * already confirmed, and at high poison rates the trigger's cluster is most of it.
   */
  static Tracked track(
      Decision early, float[] losses, int[] labels, int numClasses, Function<int[], float[][]> features,
      RunnerUp runnerUp) {
    Verdict verdict = early.verdict();
    int[] core = early.ascended();
    int label = verdict.label();
    boolean[] isCore = new boolean[labels.length];
    for (int i : core) {
      isCore[i] = true;
    }
    int[] members =
        IntStream.range(0, labels.length).filter(i -> labels[i] == label).boxed()
            .sorted(Comparator.<Integer, Boolean>comparing(i -> !isCore[i])
                .thenComparingDouble(i -> losses[i]).thenComparingInt(i -> i))
            .mapToInt(Integer::intValue).toArray();
    int seeds = (int) IntStream.of(members).filter(i -> isCore[i]).count();
    float[] memberLosses = new float[members.length];
    for (int i = 0; i < members.length; i++) {
      memberLosses[i] = losses[members[i]];
    }
    boolean[] inCluster = null;
    float[][] rows = null;
    if (seeds >= MIN_SAMPLES && members.length - seeds >= MIN_SAMPLES) {
      rows = features.apply(members);
      inCluster = TwoMeans.split(rows, seeds);
    }
    int size = inCluster == null ? 0 : Isolation.count(inCluster);
    if (size < MIN_SAMPLES || members.length - size < MIN_SAMPLES) {
      logger.info("tracked label " + label + ": no cluster and rest to split; the core of " + core.length
          + " stays D_b");
      return new Tracked(new Decision(verdict, core.clone(), early.suspects().clone()), null);
    }
    Candidate c =
        measured(label, members, inCluster, rows, memberLosses,
            diversity(runnerUp.predict(pick(members, inCluster, true), label), label, numClasses),
            diversity(runnerUp.predict(pick(members, inCluster, false), label), label, numClasses),
            lossGap(memberLosses, inCluster));
    int[][] parts = clearAndSuspect(c, false);
    int[] ascended = IntStream.concat(IntStream.of(core), IntStream.of(parts[0])).distinct().sorted().toArray();
    boolean[] inAscended = new boolean[labels.length];
    for (int i : ascended) {
      inAscended[i] = true;
    }
    int[] suspects =
        IntStream.concat(IntStream.of(parts[1]), IntStream.of(early.suspects())).filter(i -> !inAscended[i])
            .distinct().sorted().toArray();
    logger.info(
        String.format(
            Locale.ROOT, "tracked label %d from a core of %d: cluster of %d of %d at separation %.2f, %d clear,"
                + " %d ascended with the core, %d suspects", label, core.length, size, members.length,
            c.separation(), parts[0].length, ascended.length, suspects.length));
    return new Tracked(
        new Decision(
            new Verdict(
                true, true, label, verdict.evidence(), verdict.threshold(), ascended.length, suspects.length,
                verdict.classEvidence()),
            ascended, suspects),
        c);
  }

  /**
   * A followed backdoor's decision at the turn, and the split of its label it came from (null where the
   * label could not be split and the core alone stays D_b), for the check's report.
   */
  record Tracked(Decision decision, Candidate split) {}

  /** ln(median loss of the rest / median loss of the cluster), at least 0. */
  private static double lossGap(float[] memberLosses, boolean[] inCluster) {
    return Math.max(0, Math.log(
        Math.max(median(memberLosses, inCluster, false), 1e-12)
            / Math.max(median(memberLosses, inCluster, true), 1e-12)));
  }

  /**
   * Whether {@code a} should be the verdict's label rather than {@code b}: a cluster more diverse than its
   * rest before one that is not, then the stronger evidence.
   */
  private static boolean stronger(Candidate a, Candidate b) {
    if (a.clusterMoreDiverse() != b.clusterMoreDiverse()) {
      return a.clusterMoreDiverse();
    }
    return a.evidence() > b.evidence();
  }

  /**
   * How evenly {@code predicted} classes spread over the classes other than {@code label}: their entropy
   * over ln(numClasses - 1), 1 for an even spread, 0 for one class (and for fewer than three classes).
   */
  static double diversity(int[] predicted, int label, int numClasses) {
    int[] counts = new int[numClasses];
    int n = 0;
    for (int p : predicted) {
      if (p != label) {
        counts[p]++;
        n++;
      }
    }
    if (n == 0 || numClasses < 3) {
      return 0;
    }
    double entropy = 0;
    for (int c : counts) {
      if (c > 0) {
        entropy -= (double) c / n * Math.log((double) c / n);
      }
    }
    return entropy / Math.log(numClasses - 1);
  }

  /**
   * The candidate for {@code members} split by {@code inCluster}: each member's projection on the line
   * from the rest's mean to the cluster's (rows unit-normalised), and the separation of the two groups'
   * projections in pooled standard deviations.
   */
  static Candidate measured(
      int label, int[] members, boolean[] inCluster, float[][] rows, float[] losses, double diversity,
      double restDiversity, double lossGap) {
    int dim = rows[0].length;
    double[] cluster = new double[dim];
    double[] rest = new double[dim];
    int clusterSize = Isolation.count(inCluster);
    for (int i = 0; i < rows.length; i++) {
      double norm = Math.sqrt(TwoMeans.dot(rows[i], rows[i]));
      double[] into = inCluster[i] ? cluster : rest;
      for (int d = 0; d < dim; d++) {
        into[d] += norm == 0 ? 0 : rows[i][d] / norm;
      }
    }
    int restSize = rows.length - clusterSize;
    double[] projection = new double[rows.length];
    for (int i = 0; i < rows.length; i++) {
      double norm = Math.sqrt(TwoMeans.dot(rows[i], rows[i]));
      double p = 0;
      for (int d = 0; d < dim; d++) {
        p += (norm == 0 ? 0 : rows[i][d] / norm) * (cluster[d] / clusterSize - rest[d] / restSize);
      }
      projection[i] = p;
    }
    double[] a = moments(projection, inCluster, true);
    double[] b = moments(projection, inCluster, false);
    double pooled = Math.sqrt((a[1] + b[1]) / 2);
    double separation = pooled == 0 ? Double.POSITIVE_INFINITY : (a[0] - b[0]) / pooled;
    return new Candidate(
        label, members, inCluster, projection, losses, separation, diversity, restDiversity, lossGap);
  }

  /**
   * D_b and the suspects, each sorted. D_b: the cluster's members that lie clearly beyond the rest of their
   * label. Suspects: the cluster's other members, and the members of the rest whose loss looks like the
   * cluster's (below the geometric mean of the two halves' median losses). The latter are poisons whose
   * trigger the model had not yet fully learned when the check ran, an early turn especially: measured on
   * held-out BadNets at 5%, the 134 poisons the cluster missed were nearly all among the lowest-loss members
   * of the rest; left in D_c with the target label, they taught the backdoor again (ASR 7% -> 19%). Only
   * {@code byLoss}: a backdoor followed to a later epoch has no unlearned poisons left, and by then the
   * label's easy clean images may have the lowest losses of all.
   */
  private static int[][] clearAndSuspect(Candidate c, boolean byLoss) {
    double[] rest = moments(c.projection(), c.inCluster(), false);
    double bound = rest[0] + CLEAR_DEVIATIONS * Math.sqrt(rest[1]);
    double lossBound =
        Math.sqrt(median(c.losses(), c.inCluster(), true) * median(c.losses(), c.inCluster(), false));
    int[] clear = IntStream.range(0, c.members().length)
        .filter(i -> c.inCluster()[i] && c.projection()[i] >= bound)
        .map(i -> c.members()[i]).sorted().toArray();
    int[] suspect = IntStream.range(0, c.members().length)
        .filter(i -> c.inCluster()[i] ? c.projection()[i] < bound : byLoss && c.losses()[i] < lossBound)
        .map(i -> c.members()[i]).sorted().toArray();
    return new int[][] {clear, suspect};
  }

  /** The median of the {@code losses} whose flag equals {@code which} (aligned arrays). */
  private static double median(float[] losses, boolean[] flags, boolean which) {
    double[] values =
        IntStream.range(0, losses.length).filter(i -> flags[i] == which).mapToDouble(i -> losses[i]).sorted()
            .toArray();
    return values.length == 0 ? Double.NaN : values[values.length / 2];
  }

  /** Mean and variance of the {@code values} whose flag equals {@code which}. */
  private static double[] moments(double[] values, boolean[] flags, boolean which) {
    double sum = 0;
    int n = 0;
    for (int i = 0; i < values.length; i++) {
      if (flags[i] == which) {
        sum += values[i];
        n++;
      }
    }
    double mean = sum / n;
    double squares = 0;
    for (int i = 0; i < values.length; i++) {
      if (flags[i] == which) {
        squares += (values[i] - mean) * (values[i] - mean);
      }
    }
    return new double[] {mean, squares / n};
  }

  /** The {@code members} whose flag equals {@code which}, in their order. */
  private static int[] pick(int[] members, boolean[] flags, boolean which) {
    return IntStream.range(0, members.length).filter(i -> flags[i] == which).map(i -> members[i]).toArray();
  }
}
