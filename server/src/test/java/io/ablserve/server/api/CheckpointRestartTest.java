package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.ServerProcess;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.FinalResult;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.Phase;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionEvent.EventCase;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.StateChange;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance test for checkpoints: a real server process killed with SIGKILL during
 * unlearning, started again over the same data folder, finishes the session from its last epoch's
 * checkpoint, with one summary per epoch in its log and the figures of a run that was never interrupted.
 */
@Tag("training")
class CheckpointRestartTest {
  private static final Duration WAIT = Duration.ofMinutes(8);

  @TempDir Path dataDir;

  @Test
  void killedDuringUnlearning_resumesFromCheckpointAndEndsLikeAnUninterruptedRun() throws Exception {
    String id;
    List<SessionEvent> beforeCrash;
    try (ServerProcess crashing = start()) {
      ManagedChannel channel = channel(crashing);
      try {
        SessionServiceGrpc.SessionServiceBlockingStub stub = SessionServiceGrpc.newBlockingStub(channel);
        id = create(stub, "interrupted");
        AtomicReference<List<SessionEvent>> seen = new AtomicReference<>(List.of());
        // After the first unlearning epoch's summary (epoch 2) and a step of the next: epoch 2's
        // checkpoint, written after the summary and the suspect filtering, is then on disk.
        Poll.until("an unlearning epoch summary and a step after it", WAIT, () -> {
          seen.set(watch(stub, id, false));
          return seen.get().stream()
                  .anyMatch(e -> e.hasEpoch() && e.getEpoch().getPhase() == Phase.PHASE_UNLEARNING)
              && seen.get().stream().anyMatch(e -> e.hasStep() && e.getStep().getEpoch() == 3);
        });
        crashing.kill();
        beforeCrash = seen.get();
      } finally {
        channel.shutdownNow();
      }
    }
    Path checkpoint = dataDir.resolve("sessions").resolve(id).resolve("checkpoint");
    assertThat(Files.list(checkpoint).map(p -> p.getFileName().toString()).toList()).hasSize(1);

    try (ServerProcess restarted = start()) {
      ManagedChannel channel = channel(restarted);
      try {
        SessionServiceGrpc.SessionServiceBlockingStub stub = SessionServiceGrpc.newBlockingStub(channel);
        String reference = create(stub, "uninterrupted"); // queued behind the resumed one
        List<SessionEvent> resumed = watch(stub, id, true);
        List<SessionEvent> straight = watch(stub, reference, true);

        assertThat(get(stub, id).getState()).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
        assertThat(get(stub, reference).getState()).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
        assertThat(resumed)
            .extracting(SessionEvent::getSequence)
            .isSorted()
            .doesNotHaveDuplicates();
        List<StateChange> states =
            resumed.stream().filter(SessionEvent::hasState).map(SessionEvent::getState).toList();
        assertThat(states)
            .extracting(StateChange::getState)
            .containsExactly(
                SessionState.SESSION_STATE_QUEUED, SessionState.SESSION_STATE_RUNNING,
                SessionState.SESSION_STATE_QUEUED, SessionState.SESSION_STATE_RUNNING,
                SessionState.SESSION_STATE_SUCCEEDED);
        assertThat(states.get(2).getReason()).contains("server restarted");
        assertThat(states.get(3).getReason()).matches("resumed from checkpoint after epoch [234]");
        // The ranking happened once. The resumed run reports the epochs after its checkpoint's; an epoch
        // summarised but killed before its checkpoint was written runs (and is summarised) again.
        assertThat(resumed.stream().filter(SessionEvent::hasIsolation)).hasSize(1);
        int checkpointEpoch = Integer.parseInt(states.get(3).getReason().replaceAll("\\D", ""));
        int resumedAt = resumed.indexOf(resumed.stream()
            .filter(e -> e.hasState() && e.getState().equals(states.get(3))).findFirst().orElseThrow());
        // What the killed run logged stays up to its checkpoint; its telemetry after it (epoch 3's steps,
        // and a summary logged just before the kill) is superseded by the rerun's: one summary per epoch.
        List<SessionEvent> beforeResume = resumed.subList(0, resumedAt - 1); // less the restart's QUEUED
        assertThat(beforeCrash).containsAll(beforeResume);
        assertThat(beforeCrash.stream().filter(e -> !beforeResume.contains(e)))
            .allMatch(e -> e.hasStep() && e.getStep().getEpoch() > checkpointEpoch
                || e.hasEpoch() && e.getEpoch().getEpoch() > checkpointEpoch);
        List<Integer> summaries =
            resumed.stream().filter(SessionEvent::hasEpoch).map(e -> e.getEpoch().getEpoch()).toList();
        assertThat(summaries).containsExactly(0, 1, 2, 3, 4);
        assertThat(resumed.stream().filter(SessionEvent::hasStep).map(e -> e.getStep().getStep()))
            .doesNotHaveDuplicates();
        assertThat(resumed.subList(resumedAt, resumed.size()).stream()
                .filter(SessionEvent::hasEpoch).map(e -> e.getEpoch().getEpoch()).toList())
            .isEqualTo(LongStream.range(checkpointEpoch + 1, 5).mapToObj(e -> (int) e).toList());

        FinalResult interrupted = result(resumed);
        FinalResult uninterrupted = result(straight);
        System.out.printf(
            "interrupted CA=%.4f ASR=%.4f, uninterrupted CA=%.4f ASR=%.4f%n",
            interrupted.getCleanAccuracy(), interrupted.getAttackSuccessRate(),
            uninterrupted.getCleanAccuracy(), uninterrupted.getAttackSuccessRate());
        // Parameters, momentum, sets and per-epoch shuffling are all restored, so the runs match up to
        // floating-point nondeterminism; the margin only absorbs that.
        assertThat(interrupted.getCleanAccuracy()).isCloseTo(uninterrupted.getCleanAccuracy(), within(0.05));
        assertThat(interrupted.getAttackSuccessRate())
            .isCloseTo(uninterrupted.getAttackSuccessRate(), within(0.05));
        assertThat(interrupted.getIsolationPrecision()).isEqualTo(uninterrupted.getIsolationPrecision());
        assertThat(checkpoint).doesNotExist(); // a finished session is not resumed again
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private ServerProcess start() throws Exception {
    return ServerProcess.start("--port", "0", "--data-dir", dataDir.toString());
  }

  private static ManagedChannel channel(ServerProcess server) {
    return NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  private static String create(SessionServiceGrpc.SessionServiceBlockingStub stub, String name) {
    SessionConfig config =
        SessionConfig.newBuilder()
            .setDisplayName(name)
            .setDataset(DatasetSpec.newBuilder().setTrainLimit(2000).setTestLimit(500))
            .setAbl(
                AblConfig.newBuilder()
                    .setEpochs(5)
                    .setIsolationEpochs(2)
                    .setBatchSize(64)
                    .setStepReportInterval(5)
                    // The paper's recipe: unlearning follows the ranking whatever the backdoor check would
                    // say, so there is an unlearning epoch to be killed in.
                    .setIsolationExpansion(false))
            .setSeed(5)
            .build();
    return stub.withDeadlineAfter(60, TimeUnit.SECONDS)
        .createSession(CreateSessionRequest.newBuilder().setConfig(config).build())
        .getId();
  }

  private static io.ablserve.v1.Session get(SessionServiceGrpc.SessionServiceBlockingStub stub, String id) {
    return stub.withDeadlineAfter(60, TimeUnit.SECONDS)
        .getSession(GetSessionRequest.newBuilder().setSessionId(id).build());
  }

  private static FinalResult result(List<SessionEvent> events) {
    return events.stream().filter(e -> e.getEventCase() == EventCase.RESULT).findFirst().orElseThrow()
        .getResult();
  }

  private static List<SessionEvent> watch(
      SessionServiceGrpc.SessionServiceBlockingStub stub, String id, boolean follow) {
    List<SessionEvent> events = new ArrayList<>();
    stub.withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
        .watchSession(
            WatchSessionRequest.newBuilder().setSessionId(id).setFromSequence(0).setFollow(follow).build())
        .forEachRemaining(events::add);
    return events;
  }
}
