package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.CancelSessionRequest;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.IsolationLoss;
import io.ablserve.v1.ListSessionsRequest;
import io.ablserve.v1.LossReduction;
import io.ablserve.v1.ModelArch;
import io.ablserve.v1.ModelSpec;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** CreateSession, GetSession, ListSessions and CancelSession through a real stub, per transport. */
abstract class SessionServiceContract extends ServiceTestBase {
  // ---- CreateSession and its validation ----

  @Test
  void createSession_resolvesUnsetFieldsToServerDefaults() throws Exception {
    start(new ScriptedTrainer(1, true));

    Session session = create(config(b -> b));

    SessionConfig resolved = session.getConfig();
    assertThat(session.getId()).isNotEmpty();
    assertThat(session.getState())
        .isIn(SessionState.SESSION_STATE_QUEUED, SessionState.SESSION_STATE_RUNNING);
    assertThat(session.getDevice()).isEqualTo("cpu()");
    assertThat(resolved.getDevice()).isEqualTo("cpu");
    assertThat(resolved.getDisplayName()).isEqualTo("test");
    assertThat(resolved.getDataset().getName()).isEqualTo("fashion-mnist");
    assertThat(resolved.getAttack().getKind()).isEqualTo(AttackKind.ATTACK_KIND_BADNETS);
    assertThat(resolved.getAttack().getTargetLabel()).isZero();
    assertThat(resolved.getAttack().getPoisonRate()).isEqualTo(0.1);
    assertThat(resolved.getAttack().getPatchSizePx()).isEqualTo(3);
    assertThat(resolved.getModel().getArch()).isEqualTo(ModelArch.MODEL_ARCH_SMALL_CNN);
    AblConfig abl = resolved.getAbl();
    assertThat(abl.getEpochs()).isEqualTo(10);
    assertThat(abl.getIsolationEpochs()).isEqualTo(5);
    assertThat(abl.getIsolationRatio()).isEqualTo(0.01);
    assertThat(abl.getIsolationLoss()).isEqualTo(IsolationLoss.ISOLATION_LOSS_LGA);
    assertThat(abl.getLossReduction()).isEqualTo(LossReduction.LOSS_REDUCTION_BATCH_MEAN);
    assertThat(abl.getLearningRate()).isEqualTo(0.01);
    assertThat(abl.getDefense()).isEqualTo(io.ablserve.v1.Defense.DEFENSE_ABL);
    assertThat(abl.getUnlearningMode()).isEqualTo(io.ablserve.v1.UnlearningMode.UNLEARNING_MODE_GGA);
    assertThat(abl.getUnlearningLearningRate()).isEqualTo(0.01);
    assertThat(abl.getRanking()).isEqualTo(io.ablserve.v1.Ranking.RANKING_PER_CLASS);
    assertThat(abl.getSuspectFiltering()).isFalse();
    assertThat(abl.getAugmentation()).isTrue();
    assertThat(abl.getIsolationExpansion()).isTrue();
    assertThat(abl.getIsolateEarly()).isTrue();
    assertThat(abl.getFinalDecayEpochs()).isEqualTo(2);
    assertThat(abl.hasTriggerProbe()).isTrue();
    assertThat(abl.getTriggerProbe()).isTrue();
    assertThat(abl.hasRetrainUnconfirmed()).isTrue();
    assertThat(abl.getRetrainUnconfirmed()).isTrue();
    assertThat(abl.getBatchSize()).isEqualTo(128);
    assertThat(abl.hasMomentum()).isTrue();
    assertThat(resolved.hasSeed()).isTrue();
    assertThat(resolved.getSeed()).isZero();
  }

  @Test
  void createSession_echoesExplicitValuesAndTrainsWhatWasAsked() throws Exception {
    start(new ScriptedTrainer(1, false));

    Session session =
        create(
            config(
                b ->
                    b.setDataset(DatasetSpec.newBuilder().setTrainLimit(2000).setTestLimit(500))
                        .setAttack(
                            AttackSpec.newBuilder()
                                .setKind(AttackKind.ATTACK_KIND_NONE)
                                .setTargetLabel(9))
                        .setAbl(
                            AblConfig.newBuilder()
                                .setEpochs(3)
                                .setIsolationEpochs(1)
                                .setIsolationLoss(IsolationLoss.ISOLATION_LOSS_FLOODING)
                                .setLossReduction(LossReduction.LOSS_REDUCTION_BATCH_MEAN)
                                .setBatchSize(64))
                        .setDevice("CPU")
                        .setSeed(42)));

    SessionConfig resolved = session.getConfig();
    assertThat(resolved.getDataset().getTrainLimit()).isEqualTo(2000);
    assertThat(resolved.getAttack().getKind()).isEqualTo(AttackKind.ATTACK_KIND_NONE);
    assertThat(resolved.getAttack().getTargetLabel()).isEqualTo(9);
    assertThat(resolved.getAbl().getEpochs()).isEqualTo(3);
    assertThat(resolved.getAbl().getIsolationLoss()).isEqualTo(IsolationLoss.ISOLATION_LOSS_FLOODING);
    assertThat(resolved.getAbl().getLossReduction())
        .isEqualTo(LossReduction.LOSS_REDUCTION_BATCH_MEAN);
    assertThat(resolved.getDevice()).isEqualTo("cpu");
    assertThat(resolved.getSeed()).isEqualTo(42);
    var trained = trainer.awaitStarted();
    assertThat(trained.abl().epochs()).isEqualTo(3);
    assertThat(trained.abl().batchSize()).isEqualTo(64);
    assertThat(trained.dataset().trainLimit()).isEqualTo(2000);
    assertThat(trained.seed()).isEqualTo(42);
  }

  @Test
  void createSession_rejectsUnknownDataset() throws Exception {
    start(new ScriptedTrainer(1, false));
    assertInvalid(b -> b.setDataset(DatasetSpec.newBuilder().setName("imagenet")), "dataset.name");
  }

  @Test
  void createSession_rejectsUnknownModel() throws Exception {
    start(new ScriptedTrainer(1, false));
    assertInvalid(b -> b.setModel(ModelSpec.newBuilder().setArchValue(99)), "model.arch");
  }

  @Test
  void createSession_rejectsANadLayerTheModelLacks_namingItsTaps() throws Exception {
    start(new ScriptedTrainer(1, false));
    assertInvalid(
        b -> b.setAbl(AblConfig.newBuilder().setDefense(io.ablserve.v1.Defense.DEFENSE_NAD))
            .setNad(io.ablserve.v1.NeuralAttentionDistillation.newBuilder().addLayers("group2")),
        "nad.layers must name convolutional taps of SMALL_CNN, one of conv1, conv2, last_conv_stage");
  }

  @Test
  void createSession_rejectsNonPositiveLearningRate() throws Exception {
    start(new ScriptedTrainer(1, false));
    assertInvalid(b -> b.setAbl(AblConfig.newBuilder().setLearningRate(-0.1)), "abl.learning_rate");
    assertInvalid(b -> b.setAbl(AblConfig.newBuilder().setLearningRate(0)), "(0, 10]");
  }

  @Test
  void createSession_rejectsNonPositiveEpochs() throws Exception {
    start(new ScriptedTrainer(1, false));
    assertInvalid(b -> b.setAbl(AblConfig.newBuilder().setEpochs(0)), "abl.epochs");
  }

  @Test
  void createSession_rejectsIsolationRatioOfZero() throws Exception {
    start(new ScriptedTrainer(1, false));
    assertInvalid(b -> b.setAbl(AblConfig.newBuilder().setIsolationRatio(0)), "abl.isolation_ratio");
  }

  @Test
  void createSession_rejectsIsolationRatioAboveOne() throws Exception {
    start(new ScriptedTrainer(1, false));
    assertInvalid(
        b -> b.setAbl(AblConfig.newBuilder().setIsolationRatio(1.5)),
        "abl.isolation_ratio must be in (0, 1), got 1.5");
  }

  @Test
  void createSession_rejectsIsolationEpochsNotBeforeLastEpoch() throws Exception {
    start(new ScriptedTrainer(1, false));
    assertInvalid(
        b -> b.setAbl(AblConfig.newBuilder().setEpochs(4).setIsolationEpochs(4)),
        "abl.isolation_epochs");
  }

  @Test
  void createSession_rejectsTargetLabelOutsideDatasetClasses() throws Exception {
    start(new ScriptedTrainer(1, false));
    assertInvalid(
        b -> b.setAttack(AttackSpec.newBuilder().setTargetLabel(10)), "attack.target_label");
  }

  @Test
  void createSession_rejectsUnknownDevice() throws Exception {
    start(new ScriptedTrainer(1, false));
    assertInvalid(b -> b.setDevice("tpu"), "device must be 'cpu', 'gpu' or 'gpu:N'");
  }

  @Test
  void createSession_keepsServingAfterBadInput() throws Exception {
    start(new ScriptedTrainer(1, false));
    assertInvalid(b -> b.setAbl(AblConfig.newBuilder().setEpochs(-1)), "abl.epochs");
    assertInvalid(b -> b.setDataset(DatasetSpec.newBuilder().setName("nope")), "dataset.name");

    Session session = create(config(b -> b));

    awaitState(session.getId(), SessionState.SESSION_STATE_SUCCEEDED);
  }

  @Test
  void createSession_refusesWhenQueueIsFull() throws Exception {
    ServerConfig oneQueued =
        new ServerConfig(0, "127.0.0.1", TestServer.CONFIG.dataDir(), "cpu",
            TestServer.CONFIG.datasetRoots(), 1);
    start(new ScriptedTrainer(1, true), oneQueued);
    create(config(b -> b));
    trainer.awaitStarted();
    create(config(b -> b));

    assertStatus(() -> create(config(b -> b)), Status.Code.RESOURCE_EXHAUSTED, "queue is full");
    assertThat(server.blocking().listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList())
        .as("a refused session leaves no trace")
        .hasSize(2);
  }

  @Test
  void createSession_rejectsPriorityOutOfRange() throws Exception {
    start(new ScriptedTrainer(1, false));
    assertStatus(() -> create(config(b -> b), 101), Status.Code.INVALID_ARGUMENT,
        "priority must be in [-100, 100], got 101");
    assertStatus(() -> create(config(b -> b), Integer.MIN_VALUE), Status.Code.INVALID_ARGUMENT,
        "priority must be in [-100, 100]");
    assertThat(server.blocking().listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList())
        .isEmpty();
  }

  @Test
  void queuedSessions_trainByPriorityThenInArrivalOrder() throws Exception {
    start(new ScriptedTrainer(1, true));
    create(config(b -> b));
    trainer.awaitStarted();

    // train_limit tells the runs apart in the scripted trainer (ABL needs at least 2 images).
    Session low = create(config(b -> b.setDataset(DatasetSpec.newBuilder().setTrainLimit(5))), -1);
    Session first = create(config(b -> b.setDataset(DatasetSpec.newBuilder().setTrainLimit(2))), 0);
    Session second = create(config(b -> b.setDataset(DatasetSpec.newBuilder().setTrainLimit(3))), 0);
    Session urgent = create(config(b -> b.setDataset(DatasetSpec.newBuilder().setTrainLimit(4))), 100);

    assertThat(urgent.getPriority()).isEqualTo(100);
    assertThat(get(low.getId()).getPriority()).isEqualTo(-1);
    assertThat(urgent.getQueuePosition()).isZero();
    assertThat(get(first.getId()).getQueuePosition()).isEqualTo(1);
    assertThat(get(second.getId()).getQueuePosition()).isEqualTo(2);
    assertThat(get(low.getId()).getQueuePosition()).isEqualTo(3);

    trainer.release();
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      order.add(trainer.awaitStarted().dataset().trainLimit());
    }
    assertThat(order).containsExactly(4, 2, 3, 5);
  }

  // ---- Get, List, Cancel ----

  @Test
  void getSession_unknownIdIsNotFound() throws Exception {
    start(new ScriptedTrainer(1, false));
    assertStatus(() -> get("abc"), Status.Code.NOT_FOUND, "session 'abc' not found");
    assertStatus(() -> cancel("abc"), Status.Code.NOT_FOUND, "session 'abc' not found");
    assertStatus(() -> watch("abc", 0, true), Status.Code.NOT_FOUND, "session 'abc' not found");
  }

  @Test
  void getSession_emptyIdIsInvalid() throws Exception {
    start(new ScriptedTrainer(1, false));
    assertStatus(() -> get(""), Status.Code.INVALID_ARGUMENT, "session_id");
    assertStatus(() -> cancel(""), Status.Code.INVALID_ARGUMENT, "session_id");
    assertStatus(() -> watch("", 0, false), Status.Code.INVALID_ARGUMENT, "session_id");
  }

  @Test
  void listSessions_returnsNewestFirst() throws Exception {
    start(new ScriptedTrainer(1, true));
    Session first = create(config(b -> b.setDisplayName("first")));
    Session second = create(config(b -> b.setDisplayName("second")));

    List<Session> listed =
        server.blocking().listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList();

    assertThat(listed).extracting(Session::getId).containsExactly(second.getId(), first.getId());
  }

  @Test
  void secondSession_waitsQueuedBehindTheRunningOne() throws Exception {
    start(new ScriptedTrainer(1, true));
    Session running = create(config(b -> b));
    trainer.awaitStarted();

    Session queued = create(config(b -> b));

    assertThat(get(running.getId()).getState()).isEqualTo(SessionState.SESSION_STATE_RUNNING);
    assertThat(get(running.getId()).getQueuePosition()).isEqualTo(-1);
    assertThat(queued.getState()).isEqualTo(SessionState.SESSION_STATE_QUEUED);
    assertThat(queued.getQueuePosition()).isZero();
    assertThat(create(config(b -> b)).getQueuePosition()).isEqualTo(1);
  }

  @Test
  void cancelQueuedSession_cancelsAtOnceAndEndsItsStream() throws Exception {
    start(new ScriptedTrainer(1, true));
    create(config(b -> b));
    trainer.awaitStarted();
    Session queued = create(config(b -> b));

    Session cancelled = cancel(queued.getId());

    assertThat(cancelled.getState()).isEqualTo(SessionState.SESSION_STATE_CANCELLED);
    assertThat(cancelled.getQueuePosition()).isEqualTo(-1);
    List<SessionEvent> events = watch(queued.getId(), 0, true);
    assertThat(events).extracting(e -> e.getState().getState())
        .containsExactly(SessionState.SESSION_STATE_QUEUED, SessionState.SESSION_STATE_CANCELLED);
  }

  @Test
  void cancelRunningSession_stopsTrainingAndEndsStreamCancelled() throws Exception {
    start(new ScriptedTrainer(3, true));
    Session session = create(config(b -> b));
    trainer.awaitStarted();

    cancel(session.getId());
    List<SessionEvent> events = watch(session.getId(), 0, true);

    assertThat(lastState(events)).isEqualTo(SessionState.SESSION_STATE_CANCELLED);
    assertThat(events.get(events.size() - 1).getState().getReason()).contains("cancelled");
    assertThat(events).noneMatch(SessionEvent::hasResult);
    assertThat(get(session.getId()).getState()).isEqualTo(SessionState.SESSION_STATE_CANCELLED);
  }

  @Test
  void cancelFinishedSession_isFailedPrecondition() throws Exception {
    start(new ScriptedTrainer(1, false));
    Session session = create(config(b -> b));
    awaitState(session.getId(), SessionState.SESSION_STATE_SUCCEEDED);

    assertStatus(
        () -> cancel(session.getId()), Status.Code.FAILED_PRECONDITION, "already SUCCEEDED");
    assertThat(get(session.getId()).getState()).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
  }

  @Test
  void failingTraining_endsFailedWithTheExceptionMessage() throws Exception {
    start(new ScriptedTrainer(1, false));
    trainer.failWith(new IllegalStateException("native memory exhausted"));
    Session session = create(config(b -> b));

    List<SessionEvent> events = watch(session.getId(), 0, true);

    assertThat(lastState(events)).isEqualTo(SessionState.SESSION_STATE_FAILED);
    assertThat(events.get(events.size() - 1).getState().getReason())
        .isEqualTo("native memory exhausted");
    Session failed = get(session.getId());
    assertThat(failed.getFailureReason()).isEqualTo("native memory exhausted");
    assertThat(failed.hasFinishedAt()).isTrue();
  }
}
