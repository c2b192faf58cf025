package io.ablserve.server.train;

import io.ablserve.server.data.ImageSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A bench-only strategy in the training package (it reads the run's internals): ABL's isolation epochs,
 * then, at the turn, every {@link IsolationSignal} side by side on the same model: each one's pick
 * (precision and recall of the isolation ratio's lowest scores), its AUROC against the poisoning ground
 * truth, and the backdoor check's verdict with each label's split started from that signal. Emits one JSON
 * object per run; trains no further.
 */
public final class SignalMeasurement implements DefenseStrategy {
  private final Map<IsolationSignal, SignalScorer> scorers;
  private final Consumer<String> sink;

  /** {@code scorers}: the scorer of every signal (Guice's {@code IsolationModule}); {@code sink} takes the row. */
  public SignalMeasurement(Map<IsolationSignal, SignalScorer> scorers, Consumer<String> sink) {
    this.scorers = Map.copyOf(scorers);
    this.sink = sink;
  }

  @Override
  public TrainingOutcome train(TrainingRun run) {
    AblConfig config = run.config();
    int turn = config.isolationEpochs();
    int[] all = run.all();
    double[] sum = new double[all.length];
    run.listener().onPhase(Phase.ISOLATION, 0);
    run.learningRate(config.learningRate());
    for (int epoch = 0; epoch < turn; epoch++) {
      run.beginEpoch(epoch);
      run.run(Phase.ISOLATION, epoch, run.shuffled(all), new int[0], Objective.ISOLATION);
      float[] l = run.epochs().lastLosses();
      for (int i = 0; i < sum.length; i++) {
        sum[i] += l[i];
      }
      run.endEpoch(Phase.ISOLATION);
    }
    float[] mean = new float[sum.length];
    for (int i = 0; i < sum.length; i++) {
      mean[i] = (float) (sum[i] / turn);
    }
    Evaluator evaluator = run.evaluator();
    ImageSet train = run.train();
    boolean[] poisoned = run.data().poisoned();
    float[] losses = evaluator.sampleLosses(all);
    IsolationSignals signals =
        new IsolationSignals(
            scorers, losses, mean, train.labels(), train.numClasses(), config.ranking(),
            t -> evaluator.sampleFeatures(all, t));
    List<String> rows = new ArrayList<>();
    for (IsolationSignal signal : IsolationSignal.values()) {
      float[] scores = signals.scores(signal);
      IsolationReport pick = Isolation.isolate(scores, losses, poisoned, config.isolationRatio(), turn);
      List<BackdoorCheck.Candidate> candidates =
          BackdoorCheck.candidates(
              losses, scores, train.labels(), train.numClasses(), evaluator::sampleFeatures,
              evaluator::trainPredictions);
      BackdoorCheck.Decision decision = BackdoorCheck.decide(candidates, train.numClasses());
      Verdict v = decision.verdict();
      rows.add(
          String.format(
              Locale.ROOT,
              "\"%s\":{\"precision\":%.4f,\"recall\":%.4f,\"auroc\":%.4f,\"pick_labels\":\"%s\","
                  + "\"confirmed\":%b,\"label\":%d,\"evidence\":%.3f,\"ascended\":%d,\"ascended_precision\":%.4f,"
                  + "\"class_evidence\":\"%s\"}",
              signal, pick.precision(), pick.recall(), auroc(scores, poisoned),
              topLabels(pick.indices(), train.labels()), v.confirmed(), v.label(), v.evidence(),
              decision.ascended().length, precision(decision.ascended(), poisoned),
              Arrays.stream(v.classEvidence())
                  .mapToObj(e -> String.format(Locale.ROOT, "%.2f", e)).collect(Collectors.joining(" "))));
    }
    sink.accept(("{" + String.join(",", rows) + "}").replace("NaN", "null"));
    return run.outcome();
  }

  /** P(a poisoned sample scores below a clean one), ties counted half; NaN without both kinds. */
  static double auroc(float[] scores, boolean[] poisoned) {
    Integer[] order = IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
    long positives = 0;
    double below = 0;
    long cleanSeen = 0;
    // Walk from the highest score down: each poisoned sample is below every clean one seen so far.
    for (int r = order.length - 1; r >= 0; ) {
      int s = r;
      int tiePoisoned = 0;
      int tieClean = 0;
      while (s >= 0 && scores[order[s]] == scores[order[r]]) {
        if (poisoned[order[s]]) {
          tiePoisoned++;
        } else {
          tieClean++;
        }
        s--;
      }
      below += tiePoisoned * (cleanSeen + tieClean / 2.0);
      positives += tiePoisoned;
      cleanSeen += tieClean;
      r = s;
    }
    return positives == 0 || cleanSeen == 0 ? Double.NaN : below / (positives * (double) cleanSeen);
  }

  private static double precision(int[] picked, boolean[] poisoned) {
    return picked.length == 0 ? Double.NaN : IntStream.of(picked).filter(i -> poisoned[i]).count() / (double) picked.length;
  }

  /** The pick's labels, most frequent first: "label:count ...". */
  private static String topLabels(int[] picked, int[] labels) {
    int[] counts = new int[Arrays.stream(labels).max().orElse(0) + 1];
    for (int i : picked) {
      counts[labels[i]]++;
    }
    return IntStream.range(0, counts.length).boxed().filter(c -> counts[c] > 0)
        .sorted(Comparator.comparingInt(c -> -counts[c]))
        .map(c -> c + ":" + counts[c]).collect(Collectors.joining(" "));
  }
}
