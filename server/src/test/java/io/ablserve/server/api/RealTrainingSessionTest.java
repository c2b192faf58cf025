package io.ablserve.server.api;

import static io.ablserve.server.api.WatchSessionContract.assertEndsSucceeded;
import static io.ablserve.server.api.WatchSessionContract.assertGapFreeFrom;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ablserve.server.TrainingModule;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetRef;
import io.ablserve.server.data.ImageSet;
import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.TestServer;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.CancelSessionRequest;
import io.ablserve.v1.BackdoorCheckResult;
import io.ablserve.v1.ConfusionMatrix;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.EvaluateRequest;
import io.ablserve.v1.EvaluateResponse;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.FinalResult;
import io.ablserve.v1.GetIsolationRequest;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.IsolationResult;
import io.ablserve.v1.LabelEvidence;
import io.ablserve.v1.ResultsServiceGrpc;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionEvent.EventCase;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.WatchSessionRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real ABL training (DJL, CPU) behind the production modules and the Netty transport, on a small
 * Fashion-MNIST subset so each session takes seconds.
 */
@Tag("training")
class RealTrainingSessionTest {
  @TempDir static Path dataDir; // succeeded sessions save their models here
  static TestServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server =
        TestServer.start(
            TestServer.Transport.NETTY, TestServer.CONFIG.withDataDir(dataDir), new TrainingModule());
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  static Session create(int trainLimit) {
    SessionConfig config =
        SessionConfig.newBuilder()
            .setDisplayName("e2e")
            .setDataset(DatasetSpec.newBuilder().setTrainLimit(trainLimit).setTestLimit(300))
            .setAbl(
                AblConfig.newBuilder()
                    .setEpochs(3)
                    .setIsolationEpochs(1)
                    .setBatchSize(64)
                    .setStepReportInterval(5))
            .setSeed(3)
            .build();
    return server.blocking().createSession(CreateSessionRequest.newBuilder().setConfig(config).build());
  }

  static List<SessionEvent> watch(String id, long from) {
    List<SessionEvent> events = new ArrayList<>();
    server
        .blocking()
        .watchSession(
            WatchSessionRequest.newBuilder().setSessionId(id).setFromSequence(from).setFollow(true).build())
        .forEachRemaining(events::add);
    return events;
  }

  @Test
  void realSession_streamsOrderedTelemetryAndEndsWithFinalResult() throws Exception {
    Session session = create(1500);

    List<SessionEvent> events = watch(session.getId(), 0);

    assertGapFreeFrom(0, events);
    assertThat(events)
        .extracting(SessionEvent::getEventCase)
        .contains(EventCase.STEP, EventCase.EPOCH, EventCase.PHASE, EventCase.ISOLATION);
    assertThat(events).filteredOn(SessionEvent::hasEpoch).hasSize(3);
    // 1% of 1500 isolated at the turning epoch.
    assertThat(events.stream().filter(SessionEvent::hasIsolation).findFirst().orElseThrow()
            .getIsolation().getIndicesCount()).isEqualTo(15);
    assertEndsSucceeded(events);
    FinalResult result = events.get(events.size() - 2).getResult();
    assertThat(result.getEpochs()).isEqualTo(3);
    assertThat(result.getCleanAccuracy()).isBetween(0.3, 1.0);

    Session done =
        server.blocking().getSession(GetSessionRequest.newBuilder().setSessionId(session.getId()).build());
    assertThat(done.getState()).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
    assertThat(done.getResult()).isEqualTo(result);
    assertConfusionMatrixFits(session.getId(), result);
    assertCheckAndSetsAreExposed(session.getId(), events);

    long k = events.size() / 2;
    List<SessionEvent> replay = watch(session.getId(), k);
    assertThat(replay.get(0).getSequence()).isEqualTo(k);
    assertThat(replay).isEqualTo(events.subList((int) k, events.size()));
  }

  /**
   * The backdoor check streams its measures (one event per check, the last one the verdict the isolation
   * reports), the filter events name their samples, and GetIsolation gives D_b as ascended and the suspects.
   */
  private static void assertCheckAndSetsAreExposed(String sessionId, List<SessionEvent> events) {
    List<BackdoorCheckResult> checks =
        events.stream().filter(SessionEvent::hasCheck).map(SessionEvent::getCheck).toList();
    IsolationResult isolation =
        events.stream().filter(SessionEvent::hasIsolation).findFirst().orElseThrow().getIsolation();
    assertThat(checks).isNotEmpty();
    BackdoorCheckResult last = checks.get(checks.size() - 1);
    assertThat(last.getVerdict()).isEqualTo(isolation.getVerdict());
    assertThat(last.getEpoch()).isEqualTo(isolation.getEpoch());
    for (LabelEvidence label : last.getLabelsList()) {
      assertThat(label.getClusterSize()).isBetween(1, label.getLabelSize());
      assertThat(label.getEvidence()).isCloseTo(
          label.getSeparation() * label.getLossGapNats() * label.getRunnerUpDiversity(), within(1e-9));
      assertThat(last.getVerdict().getClassEvidence(label.getLabel())).isEqualTo(label.getEvidence());
    }
    for (SessionEvent event : events) {
      if (event.hasFilter()) {
        assertThat(event.getFilter().getIndicesCount()).isEqualTo(event.getFilter().getRemovedCount());
      }
    }

    IsolationResult fetched =
        ResultsServiceGrpc.newBlockingStub(server.channel())
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .getIsolation(GetIsolationRequest.newBuilder().setSessionId(sessionId).build());

    assertThat(fetched.getIndicesList()).isEqualTo(isolation.getIndicesList());
    assertThat(fetched.getAscendedIndicesCount()).isEqualTo(isolation.getVerdict().getAscendedCount());
    assertThat(fetched.getSuspectIndicesCount()).isEqualTo(isolation.getVerdict().getSuspectCount());
    events.stream().filter(e -> e.hasFilter() && e.getFilter().getExpansion()).findFirst()
        .ifPresent(ascended -> assertThat(fetched.getAscendedIndicesList())
            .isEqualTo(ascended.getFilter().getIndicesList()));
  }

  /**
   * The confusion matrix of FinalResult and of Evaluate: its rows sum to each class's test images and its
   * diagonal over them is the class accuracy reported. Part of the test above, which trains the session.
   */
  private static void assertConfusionMatrixFits(String sessionId, FinalResult result) throws Exception {
    ImageSet test =
        new DatasetCatalog(Map.of("fashion-mnist", Path.of("/usr/share/datasets/fashion-mnist")))
            .load(new DatasetRef("fashion-mnist", 0, 300))
            .test();
    long[] perClass = new long[10];
    for (int label : test.labels()) {
      perClass[label]++;
    }

    ConfusionMatrix matrix = result.getConfusionMatrix();

    assertThat(matrix.getNumClasses()).isEqualTo(10);
    assertThat(matrix.getCountsCount()).isEqualTo(100);
    for (int t = 0; t < 10; t++) {
      long row = 0;
      for (int p = 0; p < 10; p++) {
        row += matrix.getCounts(t * 10 + p);
      }
      assertThat(row).as("row %d", t).isEqualTo(perClass[t]);
      assertThat((double) matrix.getCounts(t * 10 + t) / row)
          .as("class %d", t)
          .isCloseTo(result.getClassAccuracy(t), within(1e-9));
    }
    EvaluateResponse evaluated =
        ResultsServiceGrpc.newBlockingStub(server.channel())
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .evaluate(EvaluateRequest.newBuilder().setSessionId(sessionId).build());
    assertThat(evaluated.getConfusionMatrix()).isEqualTo(matrix);
  }

  @Test
  void realRunningSession_cancelledEndsItsStreamCancelled() throws Exception {
    Session session = create(4000);
    EventCollector watcher = new EventCollector();
    server
        .async()
        .watchSession(
            WatchSessionRequest.newBuilder().setSessionId(session.getId()).setFollow(true).build(),
            watcher);
    Poll.until(
        "the first training step", Duration.ofSeconds(60), () -> watcher.received() >= 4);

    Session cancelling =
        server.blocking().cancelSession(
            CancelSessionRequest.newBuilder().setSessionId(session.getId()).build());

    assertThat(cancelling.getState())
        .isIn(SessionState.SESSION_STATE_RUNNING, SessionState.SESSION_STATE_CANCELLED);
    List<SessionEvent> events = watcher.awaitCompleted();
    assertGapFreeFrom(0, events);
    assertThat(ServiceTestBase.lastState(events)).isEqualTo(SessionState.SESSION_STATE_CANCELLED);
    assertThat(events).noneMatch(SessionEvent::hasResult);
  }
}
