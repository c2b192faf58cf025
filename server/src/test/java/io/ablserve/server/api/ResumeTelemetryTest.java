package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.ablserve.server.config.ResumeInterrupted;
import io.ablserve.server.session.Trainer;
import io.ablserve.server.store.StoreModule;
import io.ablserve.server.testing.FaultyStoreModule;
import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.server.train.Checkpoints;
import io.ablserve.server.train.DefenseState;
import io.ablserve.server.train.EpochReport;
import io.ablserve.server.train.Experiment;
import io.ablserve.server.train.ModelSink;
import io.ablserve.server.train.Phase;
import io.ablserve.server.train.StepReport;
import io.ablserve.server.train.TrainingCancelledException;
import io.ablserve.server.train.TrainingListener;
import io.ablserve.server.train.TrainingOutcome;
import io.ablserve.server.train.TrainingState;
import io.ablserve.server.train.Verdict;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.ResumeSessionRequest;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.WatchSessionRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session stopped after an epoch's summary but before that epoch's checkpoint runs the epoch again on
 * resume: its log, replayed from 0, holds that epoch's steps and summary once, the rerun's.
 */
class ResumeTelemetryTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int EPOCHS = 3;
  private static final int STEPS_PER_EPOCH = 4;

  @TempDir Path dataDir;

  /**
   * Three epochs of four steps, a checkpoint after each; with {@code stopBeforeCheckpointOf}, the run
   * logs that epoch's summary, then waits to be cancelled before its checkpoint.
   */
  private static final class CheckpointingTrainer implements Trainer {
    private final int stopBeforeCheckpointOf;
    final CountDownLatch stopping = new CountDownLatch(1);

    CheckpointingTrainer(int stopBeforeCheckpointOf) {
      this.stopBeforeCheckpointOf = stopBeforeCheckpointOf;
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
      int next = checkpoints.latest().map(s -> s.epoch() + 1).orElse(0);
      if (next == 0) {
        listener.onPhase(Phase.TRAINING, 0);
      }
      for (int epoch = next; epoch < EPOCHS; epoch++) {
        for (int i = 0; i < STEPS_PER_EPOCH; i++) {
          listener.onStep(
              new StepReport(Phase.TRAINING, epoch, epoch * STEPS_PER_EPOCH + i, 1.0, 1.0, 0.1, 100));
        }
        listener.onEpoch(
            new EpochReport(Phase.TRAINING, epoch, 0.5, 0.5, 1, 1, 0, 0, 10, 100, new double[] {0.5}));
        if (epoch == stopBeforeCheckpointOf) {
          stopping.countDown();
          while (!cancelled.getAsBoolean()) {
            Thread.onSpinWait();
          }
          throw new TrainingCancelledException(epoch, (epoch + 1) * STEPS_PER_EPOCH);
        }
        checkpoints.save(
            new TrainingState(
                epoch, Phase.TRAINING, (epoch + 1) * STEPS_PER_EPOCH, 0, 0, 0.5, 0.5, new double[] {0.5},
                Verdict.NOT_TESTED, new byte[] {1}, new byte[] {2}, DefenseState.EMPTY));
      }
      return ScriptedTrainer.OUTCOME;
    }
  }

  @Test
  void killedBetweenAnEpochsSummaryAndItsCheckpoint_resumedLogHasOneSummaryPerEpoch()
      throws Exception {
    FaultyStoreModule.Fault fault = new FaultyStoreModule.Fault();
    CheckpointingTrainer dying = new CheckpointingTrainer(1);
    String id;
    try (TestServer first = server(dying, FaultyStoreModule.of(fault), ResumeInterrupted.AUTO)) {
      id = create(first.blocking());
      assertThat(dying.stopping.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      // As a process killed here: nothing more reaches the store, which keeps the session RUNNING.
      fault.failNext(FaultyStoreModule.Fault.ALWAYS);
    }

    try (TestServer restarted =
        server(new CheckpointingTrainer(-1), new StoreModule(), ResumeInterrupted.AUTO)) {
      List<SessionEvent> log = awaitSucceededLog(restarted.blocking(), id);
      assertOneRunsTelemetry(log);
      assertThat(states(log))
          .containsExactly(
              SessionState.SESSION_STATE_QUEUED, SessionState.SESSION_STATE_RUNNING,
              SessionState.SESSION_STATE_QUEUED, SessionState.SESSION_STATE_RUNNING,
              SessionState.SESSION_STATE_SUCCEEDED);
    }
  }

  @Test
  void interruptedBetweenAnEpochsSummaryAndItsCheckpoint_resumedLogHasOneSummaryPerEpoch()
      throws Exception {
    CheckpointingTrainer stopped = new CheckpointingTrainer(1);
    String id;
    try (TestServer first = server(stopped, new StoreModule(), ResumeInterrupted.MANUAL)) {
      id = create(first.blocking());
      assertThat(stopped.stopping.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }

    try (TestServer restarted =
        server(new CheckpointingTrainer(-1), new StoreModule(), ResumeInterrupted.MANUAL)) {
      SessionServiceGrpc.SessionServiceBlockingStub stub = restarted.blocking();
      stub.resumeSession(ResumeSessionRequest.newBuilder().setSessionId(id).build());
      List<SessionEvent> log = awaitSucceededLog(stub, id);
      assertOneRunsTelemetry(log);
      assertThat(states(log))
          .containsExactly(
              SessionState.SESSION_STATE_QUEUED, SessionState.SESSION_STATE_RUNNING,
              SessionState.SESSION_STATE_INTERRUPTED, SessionState.SESSION_STATE_QUEUED,
              SessionState.SESSION_STATE_RUNNING, SessionState.SESSION_STATE_SUCCEEDED);
    }
  }

  /** Each epoch's steps and summary once, in order, in a log whose sequences only grow. */
  private static void assertOneRunsTelemetry(List<SessionEvent> log) {
    assertThat(log).extracting(SessionEvent::getSequence).isSorted().doesNotHaveDuplicates();
    assertThat(log.stream().filter(SessionEvent::hasEpoch).map(e -> e.getEpoch().getEpoch()))
        .containsExactly(0, 1, 2);
    assertThat(log.stream().filter(SessionEvent::hasStep).map(e -> e.getStep().getStep()))
        .containsExactlyElementsOf(
            java.util.stream.LongStream.range(0, EPOCHS * STEPS_PER_EPOCH).boxed().toList());
    assertThat(log.stream().filter(SessionEvent::hasResult)).hasSize(1);
  }

  private static List<SessionState> states(List<SessionEvent> log) {
    return log.stream().filter(SessionEvent::hasState).map(e -> e.getState().getState()).toList();
  }

  private TestServer server(Trainer trainer, com.google.inject.Module store, ResumeInterrupted mode)
      throws Exception {
    return TestServer.start(
        TestServer.Transport.IN_PROCESS,
        TestServer.CONFIG.withDataDir(dataDir).withResumeInterrupted(mode),
        new TestingTrainingModule(trainer),
        store);
  }

  private static String create(SessionServiceGrpc.SessionServiceBlockingStub stub) {
    return stub.createSession(
            CreateSessionRequest.newBuilder().setConfig(SessionConfig.getDefaultInstance()).build())
        .getId();
  }

  private static List<SessionEvent> awaitSucceededLog(
      SessionServiceGrpc.SessionServiceBlockingStub stub, String id) throws InterruptedException {
    Poll.until("the resumed session to succeed", WAIT, () -> stub
        .getSession(GetSessionRequest.newBuilder().setSessionId(id).build())
        .getState() == SessionState.SESSION_STATE_SUCCEEDED);
    List<SessionEvent> log = new ArrayList<>();
    stub.watchSession(WatchSessionRequest.newBuilder().setSessionId(id).build())
        .forEachRemaining(log::add);
    return log;
  }
}
