package io.ablserve.server.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BackdoorCheckTest {
  private static final int DIM = 16;
  private static final int CLASSES = 4;
  private static final int PER_CLASS = 400;

  /** Activations around an axis, spread over every dimension. */
  private static float[] near(int axis, double spread, Random rng) {
    float[] f = new float[DIM];
    for (int d = 0; d < DIM; d++) {
      f[d] = (float) (spread * rng.nextGaussian());
    }
    f[axis] += 1;
    return f;
  }

  /** {@link #CLASSES} classes of {@link #PER_CLASS} samples (label i % CLASSES), then {@code poisons} of label 0. */
  private static int[] labels(int poisons) {
    int[] labels = new int[CLASSES * PER_CLASS + poisons];
    for (int i = 0; i < CLASSES * PER_CLASS; i++) {
      labels[i] = i % CLASSES;
    }
    return labels;
  }

  /** Clean samples near their label's axis; poisons tight around the last axis (the trigger's). */
  private static float[][] features(int[] labels, int poisons, Random rng) {
    float[][] out = new float[labels.length][];
    int clean = labels.length - poisons;
    for (int i = 0; i < labels.length; i++) {
      out[i] = i < clean ? near(labels[i], 0.2, rng) : near(DIM - 1, 0.1, rng);
    }
    return out;
  }

  /** Clean losses around 0.5, poisons' far lower (learned first). */
  private static float[] losses(int[] labels, int poisons, Random rng) {
    float[] out = new float[labels.length];
    for (int i = 0; i < labels.length; i++) {
      out[i] = (float) (i < labels.length - poisons ? 0.5 + 0.2 * rng.nextDouble() : 0.01 * rng.nextDouble());
    }
    return out;
  }

  private static float[][] rows(float[][] features, int[] samples) {
    float[][] out = new float[samples.length][];
    for (int j = 0; j < samples.length; j++) {
      out[j] = features[samples[j]].clone();
    }
    return out;
  }

  /** Poisons' runner-ups spread over the other classes (their content); clean samples' are one class. */
  private static BackdoorCheck.RunnerUp runnerUps(int clean) {
    return (samples, excluded) ->
        IntStream.of(samples)
            .map(i -> i >= clean ? (excluded + 1 + i % (CLASSES - 1)) % CLASSES : (excluded + 1) % CLASSES)
            .toArray();
  }

  private static List<BackdoorCheck.Candidate> poisonedCandidates(long seed, int poisons) {
    Random rng = new Random(seed);
    int[] labels = labels(poisons);
    float[][] features = features(labels, poisons, rng);
    return BackdoorCheck.candidates(
        losses(labels, poisons, rng), labels, CLASSES, s -> rows(features, s), runnerUps(labels.length - poisons));
  }

  @Test
  void candidates_splitEachLabel_andTheTriggersClusterIsExactlyThePoisons() {
    int poisons = 80;
    int clean = CLASSES * PER_CLASS;

    List<BackdoorCheck.Candidate> candidates = poisonedCandidates(1, poisons);

    BackdoorCheck.Candidate label0 = candidates.stream().filter(c -> c.label() == 0).findFirst().orElseThrow();
    assertThat(label0.cluster()).containsExactlyInAnyOrder(IntStream.range(clean, clean + poisons).toArray());
    assertThat(label0.rest()).hasSize(PER_CLASS);
    assertThat(label0.separation()).isGreaterThan(5);
    assertThat(label0.diversity()).isGreaterThan(0.9);
    // Clean labels split too, but their clusters' runner-ups are all one class.
    assertThat(candidates).filteredOn(c -> c.label() != 0).isNotEmpty().allMatch(c -> c.diversity() == 0);
  }

  @Test
  void candidates_skipALabelWhoseLowLossHalfIsMostOfIt() {
    Random rng = new Random(2);
    int[] labels = labels(0);
    float[][] features = features(labels, 0, rng);
    float[] losses = losses(labels, 0, rng);
    // Label 1 is an easy class: its bulk near its axis at a tiny loss, 10 hard outliers elsewhere.
    for (int i = 1, outliers = 0; i < labels.length; i += CLASSES) {
      boolean outlier = outliers++ < 10;
      features[i] = near(outlier ? DIM - 2 : 1, 0.05, rng);
      losses[i] = outlier ? 3f : 0.001f;
    }

    List<BackdoorCheck.Candidate> candidates =
        BackdoorCheck.candidates(losses, labels, CLASSES, s -> rows(features, s), runnerUps(labels.length));

    assertThat(candidates).noneMatch(c -> c.label() == 1);
  }

  @Test
  void decide_confirmsTheLabelWithStrongEvidence_andAscendsOnlyItsClearMembers() {
    int poisons = 80;
    int clean = CLASSES * PER_CLASS;

    BackdoorCheck.Decision decision = BackdoorCheck.decide(poisonedCandidates(3, poisons), CLASSES);

    Verdict verdict = decision.verdict();
    assertThat(verdict.tested()).isTrue();
    assertThat(verdict.confirmed()).isTrue();
    assertThat(verdict.label()).isZero();
    assertThat(verdict.margin()).isGreaterThan(1); // far from flipping
    assertThat(verdict.classEvidence()[1]).isZero();
    assertThat(decision.ascended()).containsExactly(IntStream.range(clean, clean + poisons).toArray());
    assertThat(decision.suspects()).isEmpty();
    assertThat(verdict.ascendedCount()).isEqualTo(poisons);
  }

  @Test
  void decide_confirmsNothing_whenASecondLabelPassesToo() {
    List<BackdoorCheck.Candidate> candidates = new ArrayList<>(poisonedCandidates(3, 80));
    BackdoorCheck.Candidate trigger = candidates.stream().filter(c -> c.label() == 0).findFirst().orElseThrow();
    assertThat(BackdoorCheck.decide(candidates, CLASSES).verdict().confirmed()).isTrue();
    // A second label whose cluster stands apart nearly as clearly: an easy clean sub-type that happens to
    // pass. Which of the two is the trigger's cannot be told, and ascending the wrong one erases a class.
    candidates.removeIf(c -> c.label() == 1);
    candidates.add(
        new BackdoorCheck.Candidate(
            1, trigger.members(), trigger.inCluster(), trigger.projection(), trigger.losses(),
            trigger.separation(), trigger.diversity(), trigger.restDiversity(), 0.9 * trigger.lossGap()));

    BackdoorCheck.Decision decision = BackdoorCheck.decide(candidates, CLASSES);

    assertThat(decision.verdict().confirmed()).isFalse();
    assertThat(decision.verdict().label()).isZero();
    assertThat(decision.verdict().classEvidence()[1]).isGreaterThan(BackdoorCheck.CONFIRM_EVIDENCE);
    assertThat(decision.ascended()).isEmpty();
    assertThat(decision.suspects()).isEmpty();
  }

  @Test
  void decide_confirmsTheTrigger_whenItStandsFarAboveASecondPassingLabel() {
    List<BackdoorCheck.Candidate> candidates = new ArrayList<>(poisonedCandidates(3, 80));
    BackdoorCheck.Candidate trigger = candidates.stream().filter(c -> c.label() == 0).findFirst().orElseThrow();
    // Label 1 passes the threshold with a third of the trigger's evidence (the lossGap sets the scale).
    double scale = 1.05 * BackdoorCheck.CONFIRM_EVIDENCE / trigger.evidence();
    assertThat(scale).isLessThan(1 / BackdoorCheck.RIVAL_RATIO);
    candidates.removeIf(c -> c.label() == 1);
    candidates.add(
        new BackdoorCheck.Candidate(
            1, trigger.members(), trigger.inCluster(), trigger.projection(), trigger.losses(),
            trigger.separation(), trigger.diversity(), trigger.restDiversity(), scale * trigger.lossGap()));

    BackdoorCheck.Decision decision = BackdoorCheck.decide(candidates, CLASSES);

    assertThat(decision.verdict().classEvidence()[1]).isGreaterThan(BackdoorCheck.CONFIRM_EVIDENCE);
    assertThat(decision.verdict().confirmed()).isTrue();
    assertThat(decision.verdict().label()).isZero();
    assertThat(decision.ascended()).isNotEmpty();
  }

  @Test
  void decide_confirmsNothing_whenTheClustersImagesResembleOneClass() {
    Random rng = new Random(4);
    int poisons = 80;
    int[] labels = labels(poisons);
    float[][] features = features(labels, poisons, rng);
    // The same distinct low-loss cluster, but every member's runner-up is the same class: a sub-type of
    // label 0 (or clean-label poisons), not images taken from the other classes.
    List<BackdoorCheck.Candidate> candidates =
        BackdoorCheck.candidates(
            losses(labels, poisons, rng), labels, CLASSES, s -> rows(features, s), runnerUps(labels.length));

    BackdoorCheck.Decision decision = BackdoorCheck.decide(candidates, CLASSES);

    assertThat(candidates).isNotEmpty();
    assertThat(decision.verdict().confirmed()).isFalse();
    assertThat(decision.verdict().margin()).isLessThan(-1);
    assertThat(decision.ascended()).isEmpty();
    assertThat(decision.suspects()).isEmpty();
  }

  @Test
  void decide_confirmsNothing_whenTheLowLossHalfIsTheLabelsOwnEasyImages_andTheDiverseRestWaitsUnlearned() {
    Random rng = new Random(5);
    int poisons = 200;
    int clean = CLASSES * PER_CLASS;
    int[] labels = labels(poisons);
    float[][] features = features(labels, poisons, rng);
    float[] losses = new float[labels.length];
    for (int i = 0; i < labels.length; i++) {
      boolean easy = i < clean && labels[i] == 0;
      features[i] = easy ? near(0, 0.05, rng) : features[i];
      // The target class is learned at once; the trigger not yet: its images still read as their sources.
      losses[i] = (float) (easy ? 0.01 * rng.nextDouble() : i >= clean ? 2 + rng.nextDouble() : 0.5);
    }
    // The easy class's runner-ups split over two classes, the poisons' over all three.
    BackdoorCheck.RunnerUp runnerUp =
        (samples, excluded) ->
            IntStream.of(samples)
                .map(i -> i >= clean ? (excluded + 1 + i % (CLASSES - 1)) % CLASSES
                    : labels[i] == 0 ? 1 + (i / CLASSES) % 2 : (excluded + 1) % CLASSES)
                .toArray();

    List<BackdoorCheck.Candidate> candidates =
        BackdoorCheck.candidates(losses, labels, CLASSES, s -> rows(features, s), runnerUp);
    BackdoorCheck.Decision decision = BackdoorCheck.decide(candidates, CLASSES);

    BackdoorCheck.Candidate label0 = candidates.stream().filter(c -> c.label() == 0).findFirst().orElseThrow();
    assertThat(label0.cluster()).hasSize(PER_CLASS);
    assertThat(IntStream.of(label0.cluster()).allMatch(i -> i < clean)).isTrue();
    // Distinct, learned far faster and with runner-ups of two classes: evidence alone would confirm it.
    assertThat(label0.evidence()).isGreaterThan(2 * BackdoorCheck.CONFIRM_EVIDENCE);
    assertThat(label0.diversity()).isLessThan(label0.restDiversity() - 0.2);
    assertThat(decision.verdict().confirmed()).isFalse();
    assertThat(decision.verdict().label()).isZero();
    assertThat(decision.ascended()).isEmpty();
    assertThat(decision.suspects()).isEmpty();
  }

  @Test
  void track_followsAnEarlyCoreToEveryPoison_evenWhenThePoisonsAreMostOfTheLabel() {
    Random rng = new Random(6);
    int poisons = 2000; // label 0: 400 clean images and 2000 poisons, 83% of the label
    int clean = CLASSES * PER_CLASS;
    int[] labels = labels(poisons);
    float[][] features = features(labels, poisons, rng);
    float[] losses = new float[labels.length];
    for (int i = 0; i < labels.length; i++) {
      // By the turn the label's own easy images have the lowest losses; every poison is learned.
      losses[i] = (float) (i >= clean ? 0.01 + 0.01 * rng.nextDouble()
          : labels[i] == 0 ? 0.005 * rng.nextDouble() : 0.5);
    }
    int[] core = IntStream.range(clean, clean + 600).toArray(); // the poisons learned by the early check
    double[] evidence = {20, 1, 1, 1};
    Verdict early = new Verdict(true, true, 0, 20, BackdoorCheck.CONFIRM_EVIDENCE, core.length, 0, evidence);

    BackdoorCheck.Tracked tracked =
        BackdoorCheck.track(
            new BackdoorCheck.Decision(early, core, new int[0]), losses, labels, CLASSES,
            s -> rows(features, s), runnerUps(clean));
    BackdoorCheck.Decision decision = tracked.decision();

    // The check alone, started from the lowest losses, would split off the easy images and confirm nothing.
    BackdoorCheck.Decision alone =
        BackdoorCheck.decide(
            BackdoorCheck.candidates(losses, labels, CLASSES, s -> rows(features, s), runnerUps(clean)), CLASSES);
    assertThat(alone.verdict().confirmed()).isFalse();
    assertThat(decision.ascended()).containsExactly(IntStream.range(clean, clean + poisons).toArray());
    assertThat(decision.suspects()).isEmpty();
    assertThat(decision.verdict().confirmed()).isTrue();
    assertThat(decision.verdict().label()).isZero();
    assertThat(decision.verdict().ascendedCount()).isEqualTo(poisons);
    // The split it came from is there to report: the whole backdoor against the label's clean images.
    assertThat(tracked.split().cluster()).hasSize(poisons);
    assertThat(tracked.split().rest()).hasSize(PER_CLASS);
    assertThat(tracked.split().diversity()).isGreaterThan(tracked.split().restDiversity());
  }

  @Test
  void track_keepsTheCoreAndItsSuspects_whenTheLabelCannotBeSplit() {
    int[] labels = {0, 0, 0, 0, 1, 1};
    float[] losses = new float[labels.length];
    int[] core = {0, 1};
    Verdict early = new Verdict(true, true, 0, 9, BackdoorCheck.CONFIRM_EVIDENCE, 2, 0, new double[] {9, 0});

    BackdoorCheck.Tracked tracked =
        BackdoorCheck.track(
            new BackdoorCheck.Decision(early, core, new int[] {5}), losses, labels, 2,
            s -> new float[s.length][] /* never read */, (s, excluded) -> new int[s.length]);

    assertThat(tracked.decision().ascended()).containsExactly(0, 1);
    assertThat(tracked.decision().suspects()).containsExactly(5);
    assertThat(tracked.split()).isNull();
  }

  @Test
  void decide_withoutCandidates_confirmsNothing() {
    BackdoorCheck.Decision decision = BackdoorCheck.decide(List.of(), CLASSES);

    assertThat(decision.verdict().tested()).isTrue();
    assertThat(decision.verdict().confirmed()).isFalse();
    assertThat(decision.verdict().label()).isEqualTo(-1);
    assertThat(decision.verdict().evidence()).isNaN();
  }

  @Test
  void diversity_isOneForAnEvenSpreadOverTheOtherClasses_andZeroForOneClass() {
    assertThat(BackdoorCheck.diversity(new int[] {1, 2, 3, 1, 2, 3}, 0, 4)).isCloseTo(1.0, within(1e-12));
    assertThat(BackdoorCheck.diversity(new int[] {2, 2, 2, 2}, 0, 4)).isZero();
    // Predictions of the label itself do not count.
    assertThat(BackdoorCheck.diversity(new int[] {0, 0, 0, 1, 2, 3}, 0, 4)).isCloseTo(1.0, within(1e-12));
    assertThat(BackdoorCheck.diversity(new int[] {1, 1, 1, 2}, 0, 4)).isBetween(0.4, 0.6);
  }
}
