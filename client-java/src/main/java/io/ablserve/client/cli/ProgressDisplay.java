package io.ablserve.client.cli;

import io.ablserve.v1.EpochSummary;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.StepMetrics;
import java.io.PrintWriter;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Live progress of a watched session, kept apart from the line output so that {@code --no-progress}
 * and piped stdout stay plain. The bar counts epochs: the client cannot know the steps per epoch (the
 * training-set size is the server's and unlearning trains on the kept set only).
 */
interface ProgressDisplay extends AutoCloseable {
  void onState(SessionState state);

  void onStep(StepMetrics step);

  void onEpoch(EpochSummary epoch);

  /** The session's epochs in all changed (a run that retrains adds its isolation epochs). */
  void onTotalEpochs(int totalEpochs);

  /** Called before a line is printed, so that it does not land in the middle of the bar. */
  void clearLine();

  @Override
  void close();

  static ProgressDisplay none() {
    return new ProgressDisplay() {
      @Override
      public void onState(SessionState state) {}

      @Override
      public void onStep(StepMetrics step) {}

      @Override
      public void onEpoch(EpochSummary epoch) {}

      @Override
      public void onTotalEpochs(int totalEpochs) {}

      @Override
      public void clearLine() {}

      @Override
      public void close() {}
    };
  }

  /** A bar over {@code totalEpochs} (indefinite when unknown) drawn on {@code err}. */
  static ProgressDisplay bar(PrintWriter err, int totalEpochs) {
    return new EpochBar(err, totalEpochs);
  }

  /** Draws on stderr so that stdout carries only the parseable lines. */
  final class EpochBar implements ProgressDisplay {
    private static final int WIDTH = 120;

    private final PrintWriter err;
    private final ProgressBar bar;
    private EpochSummary lastEpoch;

    private EpochBar(PrintWriter err, int totalEpochs) {
      this.err = err;
      this.bar =
          new ProgressBarBuilder()
              .setTaskName("training")
              .setUnit(" epochs", 1)
              .setInitialMax(totalEpochs > 0 ? totalEpochs : -1)
              .setStyle(ProgressBarStyle.UNICODE_BLOCK)
              .setConsumer(new DelegatingProgressBarConsumer(this::draw, WIDTH))
              .setUpdateIntervalMillis(250)
              .build();
    }

    private synchronized void draw(String rendered) {
      err.print('\r');
      err.print(rendered);
      err.flush();
    }

    @Override
    public void onState(SessionState state) {
      bar.setExtraMessage(ReportFormat.state(state));
    }

    @Override
    public void onStep(StepMetrics step) {
      bar.setExtraMessage(ReportFormat.progressMessage(step, lastEpoch));
    }

    @Override
    public void onEpoch(EpochSummary epoch) {
      lastEpoch = epoch;
      bar.stepTo(epoch.getEpoch() + 1L);
    }

    @Override
    public void onTotalEpochs(int totalEpochs) {
      bar.maxHint(totalEpochs);
    }

    @Override
    public synchronized void clearLine() {
      err.print('\r');
      err.print(" ".repeat(WIDTH));
      err.print('\r');
      err.flush();
    }

    @Override
    public void close() {
      bar.close();
      err.println();
      err.flush();
    }
  }
}
