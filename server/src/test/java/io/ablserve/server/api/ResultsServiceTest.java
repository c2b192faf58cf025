package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import io.ablserve.server.TrainingModule;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetRef;
import io.ablserve.server.data.ImageSet;
import io.ablserve.server.model.ModelArch;
import io.ablserve.server.model.Models;
import io.ablserve.server.session.SavedModels;
import io.ablserve.server.testing.BearerToken;
import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.train.ModelEvaluation;
import io.ablserve.server.train.NetworkSpec;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.CancelSessionRequest;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.EvaluateRequest;
import io.ablserve.v1.EvaluateResponse;
import io.ablserve.v1.ExportModelChunk;
import io.ablserve.v1.ExportModelRequest;
import io.ablserve.v1.FinalResult;
import io.ablserve.v1.GetIsolationRequest;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.IsolationResult;
import io.ablserve.v1.ModelFormat;
import io.ablserve.v1.ModelMetadata;
import io.ablserve.v1.ResultsServiceGrpc;
import io.ablserve.v1.ResultsServiceGrpc.ResultsServiceBlockingStub;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionServiceGrpc.SessionServiceBlockingStub;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ResultsService over real training: one short BadNets + ABL session trained once by alice, then its
 * exported model, evaluations and isolation result; bob must not see any of it.
 */
@Tag("training")
class ResultsServiceTest {
  private static final String ALICE = "alice-token-0123456789";
  private static final String BOB = "bob-token-0123456789";
  private static final int TEST_LIMIT = 300;

  @TempDir static Path dataDir;
  static TestServer server;
  static Session trained;
  static List<SessionEvent> events;

  @BeforeAll
  static void trainOneSession() throws Exception {
    Path tokens = dataDir.resolve("tokens");
    Files.writeString(tokens, ALICE + " alice\n" + BOB + " bob\n");
    ServerConfig config = TestServer.CONFIG.withDataDir(dataDir).withTokenFile(tokens);
    server = TestServer.start(TestServer.Transport.NETTY, config, new TrainingModule());
    trained = sessions(ALICE).createSession(request(1000, 3, 1));
    events = new ArrayList<>();
    sessions(ALICE)
        .withDeadlineAfter(300, TimeUnit.SECONDS)
        .watchSession(
            WatchSessionRequest.newBuilder().setSessionId(trained.getId()).setFollow(true).build())
        .forEachRemaining(events::add);
    assertThat(ServiceTestBase.lastState(events)).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  private static CreateSessionRequest request(int trainLimit, int epochs, int isolationEpochs) {
    return CreateSessionRequest.newBuilder()
        .setConfig(
            SessionConfig.newBuilder()
                .setDataset(
                    DatasetSpec.newBuilder().setTrainLimit(trainLimit).setTestLimit(TEST_LIMIT))
                .setAttack(AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_BADNETS))
                .setAbl(
                    AblConfig.newBuilder()
                        .setEpochs(epochs)
                        .setIsolationEpochs(isolationEpochs)
                        .setIsolationRatio(0.02)
                        .setBatchSize(64)
                        .setStepReportInterval(5)
                        // `epochs` epochs whatever the check finds: the export is under test.
                        .setRetrainUnconfirmed(false))
                .setSeed(3))
        .build();
  }

  private static SessionServiceBlockingStub sessions(String token) {
    return SessionServiceGrpc.newBlockingStub(server.channel())
        .withCallCredentials(new BearerToken(token))
        .withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private static ResultsServiceBlockingStub results(String token) {
    return ResultsServiceGrpc.newBlockingStub(server.channel())
        .withCallCredentials(new BearerToken(token))
        .withDeadlineAfter(120, TimeUnit.SECONDS);
  }

  private static FinalResult finalResult() {
    return events.stream().filter(SessionEvent::hasResult).findFirst().orElseThrow().getResult();
  }

  private static EvaluateRequest.Builder evaluation() {
    return EvaluateRequest.newBuilder().setSessionId(trained.getId());
  }

  @Test
  void exportModel_streamsMetadataThenTheSavedParamsFile_whichLoadsIntoAFreshModel()
      throws Exception {
    Iterator<ExportModelChunk> chunks =
        results(ALICE).exportModel(
            ExportModelRequest.newBuilder().setSessionId(trained.getId()).build());
    ModelMetadata metadata = chunks.next().getMetadata();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    chunks.forEachRemaining(c -> {
      assertThat(c.hasChunk()).isTrue();
      bytes.write(c.getChunk().toByteArray(), 0, c.getChunk().size());
    });

    Path onDisk =
        dataDir.resolve("sessions").resolve(trained.getId()).resolve("model")
            .resolve(metadata.getParamsFile());
    assertThat(bytes.toByteArray()).isEqualTo(Files.readAllBytes(onDisk));
    assertThat(metadata.getParamsBytes()).isEqualTo(bytes.size());
    assertThat(metadata.getSessionId()).isEqualTo(trained.getId());
    assertThat(metadata.getModelName()).isEqualTo(SavedModels.MODEL_NAME);
    assertThat(metadata.getInputChannels()).isEqualTo(1);
    assertThat(metadata.getInputHeightPx()).isEqualTo(28);
    assertThat(metadata.getNumClasses()).isEqualTo(10);
    assertThat(metadata.getPixelMeanList()).hasSize(1).allSatisfy(m -> assertThat(m).isBetween(0f, 1f));
    assertThat(metadata.getDataset()).isEqualTo("fashion-mnist");
    assertThat(metadata.getEpochs()).isEqualTo(3);
    assertThat(metadata.getCleanAccuracy()).isEqualTo(finalResult().getCleanAccuracy());
    assertThat(metadata.getConfig()).isEqualTo(trained.getConfig());

    // Loaded the way results.proto documents, into a folder of the client's own.
    Path exported = Files.createDirectories(dataDir.resolve("exported"));
    Files.write(exported.resolve(metadata.getParamsFile()), bytes.toByteArray());
    NetworkSpec network =
        new NetworkSpec(
            ModelArch.SMALL_CNN, metadata.getInputChannels(), metadata.getInputHeightPx(),
            metadata.getInputWidthPx(), metadata.getNumClasses(),
            toArray(metadata.getPixelMeanList()), toArray(metadata.getPixelStdList()));
    ImageSet test =
        new DatasetCatalog(ServerConfig.DEFAULTS.datasetRoots())
            .load(new DatasetRef("fashion-mnist", 0, TEST_LIMIT)).test();
    double accuracy;
    try (Model model = Model.newInstance(metadata.getModelName(), Device.cpu())) {
      model.setBlock(Models.create(ModelArch.SMALL_CNN, 1, 28, 28, 10));
      model.load(exported, metadata.getModelName());
      accuracy = ModelEvaluation.accuracy(model, network, test, () -> false);
    }
    EvaluateResponse evaluated = results(ALICE).evaluate(evaluation().build());
    assertThat(accuracy).isEqualTo(evaluated.getCleanAccuracy());
  }

  @Test
  void exportModel_safetensors_streamsTheAnnouncedFileWithPyTorchNames() throws Exception {
    Iterator<ExportModelChunk> chunks =
        results(ALICE).exportModel(
            ExportModelRequest.newBuilder()
                .setSessionId(trained.getId())
                .setFormat(ModelFormat.MODEL_FORMAT_SAFETENSORS)
                .build());
    ModelMetadata metadata = chunks.next().getMetadata();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    chunks.forEachRemaining(c -> bytes.write(c.getChunk().toByteArray(), 0, c.getChunk().size()));

    assertThat(metadata.getSafetensorsFile()).isEqualTo(SavedModels.SAFETENSORS_FILE);
    assertThat(metadata.getSafetensorsBytes()).isEqualTo(bytes.size());
    assertThat(metadata.getSafetensorsSha256())
        .isEqualTo(HexFormat.of().formatHex(
            MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray())));
    int headerLength =
        (int) ByteBuffer.wrap(bytes.toByteArray(), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    String header = new String(bytes.toByteArray(), 8, headerLength, StandardCharsets.UTF_8);
    assertThat(header).contains("\"conv1.weight\"", "\"bn2.running_var\"", "\"fc2.bias\"",
        "\"arch\":\"small_cnn\"", "\"input_shape\":\"[1, 28, 28]\"",
        "\"session_id\":\"" + trained.getId() + "\"");
  }

  @Test
  void evaluate_withTheSessionsAttack_reproducesItsFinalCleanAccuracyAndAttackSuccessRate() {
    EvaluateResponse response =
        results(ALICE).evaluate(evaluation().setAttack(trained.getConfig().getAttack()).build());

    assertThat(response.getDataset()).isEqualTo("fashion-mnist");
    assertThat(response.getTestSize()).isEqualTo(TEST_LIMIT);
    assertThat(response.getTriggeredSize()).isBetween(1, TEST_LIMIT - 1); // the target class is left out
    assertThat(response.getCleanAccuracy()).isEqualTo(finalResult().getCleanAccuracy());
    assertThat(response.getAttackSuccessRate()).isEqualTo(finalResult().getAttackSuccessRate());
    assertThat(response.getCleanAccuracy()).isBetween(0.3, 1.0);
  }

  @Test
  void evaluate_withoutAttack_givesNaNAttackSuccessRateOnTheRequestedTestLimit() {
    EvaluateResponse response =
        results(ALICE).evaluate(
            evaluation().setDataset(DatasetSpec.newBuilder().setTestLimit(100)).build());

    assertThat(response.getTestSize()).isEqualTo(100);
    assertThat(response.getTriggeredSize()).isZero();
    assertThat(response.getAttackSuccessRate()).isNaN();
    assertThat(response.getCleanAccuracy()).isBetween(0.0, 1.0);
  }

  @Test
  void evaluate_unknownDatasetOrTargetOutOfRange_isInvalidArgument() {
    ServiceTestBase.assertStatus(
        () -> results(ALICE).evaluate(
            evaluation().setDataset(DatasetSpec.newBuilder().setName("no-such-data")).build()),
        Status.Code.INVALID_ARGUMENT, "no-such-data");
    ServiceTestBase.assertStatus(
        () -> results(ALICE).evaluate(
            evaluation()
                .setAttack(
                    AttackSpec.newBuilder()
                        .setKind(AttackKind.ATTACK_KIND_BADNETS)
                        .setTargetLabel(10))
                .build()),
        Status.Code.INVALID_ARGUMENT, "attack.target_label");
  }

  @Test
  void evaluate_whileASessionTrains_leavesThatTrainingUntouched() throws Exception {
    // The same config and seed as `trained`: CPU training is deterministic, so any interference shows.
    String id = sessions(ALICE).createSession(request(1000, 3, 1)).getId();
    int duringTraining = 0;
    SessionState state;
    while (!isTerminal(state = state(id))) {
      EvaluateResponse response = results(ALICE).evaluate(evaluation().build());
      assertThat(response.getCleanAccuracy()).isEqualTo(finalResult().getCleanAccuracy());
      duringTraining += state == SessionState.SESSION_STATE_RUNNING ? 1 : 0;
    }

    assertThat(state).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
    assertThat(duringTraining).isPositive();
    FinalResult again =
        sessions(ALICE).getSession(GetSessionRequest.newBuilder().setSessionId(id).build()).getResult();
    assertThat(again.toBuilder().clearElapsedMs().build())
        .isEqualTo(finalResult().toBuilder().clearElapsedMs().build());
    assertThat(
            results(ALICE).getIsolation(GetIsolationRequest.newBuilder().setSessionId(id).build())
                .getIndicesList())
        .isEqualTo(
            results(ALICE).getIsolation(
                GetIsolationRequest.newBuilder().setSessionId(trained.getId()).build())
                .getIndicesList());
  }

  private static SessionState state(String id) {
    return sessions(ALICE).getSession(GetSessionRequest.newBuilder().setSessionId(id).build()).getState();
  }

  private static boolean isTerminal(SessionState state) {
    return state != SessionState.SESSION_STATE_QUEUED && state != SessionState.SESSION_STATE_RUNNING;
  }

  @Test
  void getIsolation_returnsTheIsolationResultEvent() {
    IsolationResult isolation =
        results(ALICE).getIsolation(
            GetIsolationRequest.newBuilder().setSessionId(trained.getId()).build());

    IsolationResult event =
        events.stream().filter(SessionEvent::hasIsolation).findFirst().orElseThrow().getIsolation();
    assertThat(isolation).isEqualTo(event);
    assertThat(isolation.getIndicesCount()).isEqualTo(20); // 2% of 1000
  }

  @Test
  void resultsOfASessionThatDidNotSucceed_areFailedPrecondition() throws Exception {
    Session session = sessions(ALICE).createSession(request(1000, 200, 100));
    sessions(ALICE).cancelSession(
        CancelSessionRequest.newBuilder().setSessionId(session.getId()).build());
    String id = session.getId();
    Poll.until(
        id + " cancelled", Duration.ofSeconds(60),
        () -> sessions(ALICE)
            .getSession(GetSessionRequest.newBuilder().setSessionId(id).build())
            .getState() == SessionState.SESSION_STATE_CANCELLED);

    ServiceTestBase.assertStatus(
        () -> results(ALICE).exportModel(ExportModelRequest.newBuilder().setSessionId(id).build())
            .forEachRemaining(c -> {}),
        Status.Code.FAILED_PRECONDITION, "only SUCCEEDED sessions");
    ServiceTestBase.assertStatus(
        () -> results(ALICE).evaluate(EvaluateRequest.newBuilder().setSessionId(id).build()),
        Status.Code.FAILED_PRECONDITION, "CANCELLED");
    ServiceTestBase.assertStatus(
        () -> results(ALICE).getIsolation(GetIsolationRequest.newBuilder().setSessionId(id).build()),
        Status.Code.FAILED_PRECONDITION, "no isolation result");
  }

  @Test
  void anotherUsersSession_isNotFound() {
    String id = trained.getId();

    ServiceTestBase.assertStatus(
        () -> results(BOB).exportModel(ExportModelRequest.newBuilder().setSessionId(id).build())
            .forEachRemaining(c -> {}),
        Status.Code.NOT_FOUND, id);
    ServiceTestBase.assertStatus(
        () -> results(BOB).evaluate(EvaluateRequest.newBuilder().setSessionId(id).build()),
        Status.Code.NOT_FOUND, id);
    ServiceTestBase.assertStatus(
        () -> results(BOB).getIsolation(GetIsolationRequest.newBuilder().setSessionId(id).build()),
        Status.Code.NOT_FOUND, id);
  }

  private static float[] toArray(List<Float> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}
