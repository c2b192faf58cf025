package io.ablserve.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.v1.EpochSummary;
import io.ablserve.v1.FinalResult;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.StateChange;
import io.ablserve.v1.StepMetrics;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The crash bench's reading of SessionEvent's contract: what it lets pass and what it flags. */
class WorkerCrashBenchTest {
  private final WorkerCrashBench bench = new WorkerCrashBench();

  WorkerCrashBenchTest() {
    new CommandLine(bench).parseArgs("--epochs", "2");
  }

  /** A log: sequences from 0, one an event; {@link #skip} leaves a hole (or, negative, repeats one). */
  private static final class Log {
    final List<SessionEvent> events = new ArrayList<>();
    long next;

    Log add(SessionEvent.Builder event) {
      events.add(event.setSequence(next++).build());
      return this;
    }

    Log skip(long count) {
      next += count;
      return this;
    }

    Log state(SessionState state) {
      return add(SessionEvent.newBuilder().setState(StateChange.newBuilder().setState(state)));
    }

    Log step() {
      return add(SessionEvent.newBuilder().setStep(StepMetrics.getDefaultInstance()));
    }

    Log epoch(int epoch) {
      return add(SessionEvent.newBuilder().setEpoch(EpochSummary.newBuilder().setEpoch(epoch)));
    }

    Log result(int epochs) {
      return add(SessionEvent.newBuilder().setResult(FinalResult.newBuilder().setEpochs(epochs)));
    }
  }

  private static Log run() {
    return new Log().state(SessionState.SESSION_STATE_QUEUED).state(SessionState.SESSION_STATE_RUNNING);
  }

  @Test
  void anUninterruptedRun_passes() {
    Log log = run().step().epoch(0).step().epoch(1).result(2).state(SessionState.SESSION_STATE_SUCCEEDED);

    assertThat(bench.problems(log.events)).isEmpty();
  }

  @Test
  void aResumedRun_mayHaveOneHoleWhereTheResumeSupersededTelemetry() {
    Log log = run().step().epoch(0).step().state(SessionState.SESSION_STATE_INTERRUPTED).skip(3)
        .state(SessionState.SESSION_STATE_RUNNING).step().epoch(1).result(2)
        .state(SessionState.SESSION_STATE_SUCCEEDED);

    assertThat(bench.problems(log.events)).isEmpty();
  }

  @Test
  void aHoleWithoutAResume_isFlagged() {
    Log log = run().step().epoch(0).skip(1).step().epoch(1).result(2).state(SessionState.SESSION_STATE_SUCCEEDED);

    assertThat(bench.problems(log.events)).containsExactly("1 holes in the sequences but 0 resumes");
  }

  @Test
  void aDuplicateSequence_isFlagged() {
    Log log = run().step().epoch(0).skip(-1).step().epoch(1).result(2).state(SessionState.SESSION_STATE_SUCCEEDED);

    assertThat(bench.problems(log.events)).containsExactly("sequences do not start at 0 and only grow");
  }

  @Test
  void anEpochSummarisedTwice_orMissing_isFlagged() {
    Log twice = run().epoch(0).epoch(0).epoch(1).result(2).state(SessionState.SESSION_STATE_SUCCEEDED);
    Log missing = run().epoch(0).result(2).state(SessionState.SESSION_STATE_SUCCEEDED);

    assertThat(bench.problems(twice.events)).containsExactly("epoch summaries [0, 0, 1] for a run of 2 epochs");
    assertThat(bench.problems(missing.events)).containsExactly("epoch summaries [0] for a run of 2 epochs");
  }

  @Test
  void aRetrainedRun_summarisesTheEpochsItsResultCounts() {
    Log log = run().epoch(0).epoch(1).epoch(2).result(3).state(SessionState.SESSION_STATE_SUCCEEDED);

    assertThat(bench.problems(log.events)).isEmpty();
  }

  @Test
  void noResult_orTwo_isFlagged() {
    Log none = run().epoch(0).epoch(1).state(SessionState.SESSION_STATE_SUCCEEDED);
    Log two = run().epoch(0).epoch(1).result(2).result(2).state(SessionState.SESSION_STATE_SUCCEEDED);

    assertThat(bench.problems(none.events)).containsExactly("0 results");
    assertThat(bench.problems(two.events)).containsExactly("2 results");
  }
}
