package io.ablserve.server.testing;

import ai.djl.Device;
import io.ablserve.server.session.Trainer;
import io.ablserve.server.train.Checkpoints;
import io.ablserve.server.train.EpochReport;
import io.ablserve.server.train.Experiment;
import io.ablserve.server.train.IsolationReport;
import io.ablserve.server.train.ModelSink;
import io.ablserve.server.train.Phase;
import io.ablserve.server.train.StepReport;
import io.ablserve.server.train.TrainingCancelledException;
import io.ablserve.server.train.TrainingListener;
import io.ablserve.server.train.TrainingOutcome;
import io.ablserve.server.train.Verdict;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A stand-in for the ABL runner with a fixed script of reports: phase, {@code steps} steps, then (when
 * holding) it waits for {@link #release()} while honouring the cancel flag between "steps", then epoch,
 * isolation, unlearning and an outcome. Tests use it to hold a session RUNNING as long as they need.
 */
public final class ScriptedTrainer implements Trainer {
  public static final TrainingOutcome OUTCOME = new TrainingOutcome(
          0.9, 0.05, 0.8, 0.7, new double[] {0.95, 0.85},
          new Verdict(true, true, 0, 9.5, 6.0, 2, 0, new double[] {9.5, Double.NaN}), 2, 123);

  private final int steps;
  private final boolean hold;
  private final CountDownLatch release = new CountDownLatch(1);
  private final BlockingQueue<Experiment> started = new LinkedBlockingQueue<>();
  private volatile RuntimeException failure;

  /** A trainer that emits {@code steps} step reports and, with {@code hold}, waits to be released. */
  public ScriptedTrainer(int steps, boolean hold) {
    this.steps = steps;
    this.hold = hold;
  }

  /** Lets every held run, current and future, go on to finish. */
  public void release() {
    release.countDown();
  }

  /** Makes every later run throw {@code e} after its steps. */
  public void failWith(RuntimeException e) {
    failure = e;
  }

  /** Waits until a run has emitted its steps and is holding (or going on). */
  public Experiment awaitStarted() throws InterruptedException {
    Experiment experiment = started.poll(20, TimeUnit.SECONDS);
    if (experiment == null) {
      throw new AssertionError("no training run started within 20 s");
    }
    return experiment;
  }

  @Override
  public TrainingOutcome train(
      Experiment experiment,
      Device device,
      TrainingListener listener,
      BooleanSupplier cancelled,
      Checkpoints checkpoints,
      ModelSink sink)
      throws IOException {
    listener.onPhase(Phase.ISOLATION, 0);
    for (int step = 0; step < steps; step++) {
      listener.onStep(new StepReport(Phase.ISOLATION, 0, step, 2.0 - step * 0.01, 1.5, 0.01, 1000));
    }
    started.add(experiment);
    try {
      while (hold && !release.await(5, TimeUnit.MILLISECONDS)) {
        if (cancelled.getAsBoolean()) {
          throw new TrainingCancelledException(0, steps);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TrainingCancelledException(0, steps);
    }
    if (failure != null) {
      throw failure;
    }
    listener.onEpoch(new EpochReport(Phase.ISOLATION, 0, 0.8, 0.9, 0.1, 1.2, 0.5, 0.4, 100, 1000, new double[] {0.9, 0.7}));
    listener.onPhase(Phase.ISOLATED, 1);
    listener.onIsolation(
        new IsolationReport(
            1, new int[] {7, 3}, new float[] {0.01f, 0.02f}, new boolean[] {true, false}, 0.5, 0.1,
            steps, 10, OUTCOME.verdict()));
    listener.onPhase(Phase.UNLEARNING, 1);
    listener.onEpoch(new EpochReport(Phase.UNLEARNING, 1, 0.9, 0.05, 3.0, 0.3, 0.8, 0.7, 100, 1000, OUTCOME.classAccuracy()));
    return OUTCOME;
  }
}
