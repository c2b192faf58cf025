package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.BlendPattern;
import io.ablserve.v1.Defense;
import io.ablserve.v1.FinePruning;
import io.ablserve.v1.ListDevicesRequest;
import io.ablserve.v1.SessionState;
import io.ablserve.v2.AntiBackdoorLearning;
import io.ablserve.v2.AttackSpec;
import io.ablserve.v2.BadNets;
import io.ablserve.v2.Blend;
import io.ablserve.v2.CancelSessionRequest;
import io.ablserve.v2.CreateSessionRequest;
import io.ablserve.v2.FinePruningDefense;
import io.ablserve.v2.GetSessionDefaultsRequest;
import io.ablserve.v2.GetSessionRequest;
import io.ablserve.v2.ListSessionsRequest;
import io.ablserve.v2.Session;
import io.ablserve.v2.SessionConfig;
import io.ablserve.v2.SessionServiceGrpc;
import io.ablserve.v2.Training;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The v2 SessionService on a real server over Netty, beside v1 on the same sessions. */
class SessionServiceV2Test {
  @TempDir Path dir;
  private final ScriptedTrainer trainer = new ScriptedTrainer(1, true);
  private TestServer server;

  @BeforeEach
  void start() throws Exception {
    server =
        TestServer.start(
            TestServer.Transport.NETTY, TestServer.CONFIG.withDataDir(dir),
            new TestingTrainingModule(trainer));
  }

  @AfterEach
  void stop() throws Exception {
    trainer.release();
    server.close();
  }

  private SessionServiceGrpc.SessionServiceBlockingStub v2() {
    return SessionServiceGrpc.newBlockingStub(server.channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private Session create(SessionConfig config) {
    return v2().createSession(CreateSessionRequest.newBuilder().setConfig(config).build());
  }

  @Test
  void createdThroughV2_isEchoedWithItsDefencesOptionsResolved_andReadsTheSameThroughV1() {
    SessionConfig request =
        SessionConfig.newBuilder()
            .setTraining(Training.newBuilder().setEpochs(3))
            .setFp(FinePruningDefense.newBuilder()
                .setFinePruning(FinePruning.newBuilder().setMaxPruneRatio(0.5)))
            .setAttack(AttackSpec.newBuilder().setTargetLabel(2).setBlend(Blend.newBuilder().setAlpha(0.3)))
            .setSeed(5)
            .build();

    Session created = create(request);

    SessionConfig echo = created.getConfig();
    assertThat(echo.getDefenseCase()).isEqualTo(SessionConfig.DefenseCase.FP);
    assertThat(echo.getFp().getFinePruning().getMaxPruneRatio()).isEqualTo(0.5);
    assertThat(echo.getFp().getFinePruning().getMaxAccuracyDrop()).isEqualTo(0.04); // the server's default
    assertThat(echo.getFp().getCleanData().getFraction()).isEqualTo(0.05);
    assertThat(echo.getFp().getFineTuning().getEpochs()).isEqualTo(10);
    assertThat(echo.getTraining().getEpochs()).isEqualTo(3);
    assertThat(echo.getTraining().getBatchSize()).isEqualTo(128);
    assertThat(echo.getAttack().getTargetLabel()).isEqualTo(2);
    assertThat(echo.getAttack().getBlend().getAlpha()).isEqualTo(0.3);
    assertThat(echo.getAttack().getBlend().getPattern()).isEqualTo(BlendPattern.BLEND_PATTERN_NOISE);
    assertThat(echo.getSeed()).isEqualTo(5);

    io.ablserve.v1.Session v1 =
        server.blocking().getSession(
            io.ablserve.v1.GetSessionRequest.newBuilder().setSessionId(created.getId()).build());
    assertThat(v1.getConfig().getAbl().getDefense()).isEqualTo(Defense.DEFENSE_FP);
    assertThat(v1.getConfig().getAbl().getEpochs()).isEqualTo(3);
    assertThat(v1.getConfig().getAttack().getKind()).isEqualTo(AttackKind.ATTACK_KIND_BLEND);
    assertThat(v1.getConfig().getAttack().getBlendAlpha()).isEqualTo(0.3);
    assertThat(v1.getConfig().getFinePruning().getMaxPruneRatio()).isEqualTo(0.5);

    Session read = v2().getSession(GetSessionRequest.newBuilder().setSessionId(created.getId()).build());
    assertThat(read.getConfig()).isEqualTo(echo);
    assertThat(read.getId()).isEqualTo(v1.getId());
    assertThat(read.getOwner()).isEqualTo(v1.getOwner());
    assertThat(read.getCreatedAt()).isEqualTo(v1.getCreatedAt());
  }

  @Test
  void aSessionCreatedThroughV1_readsThroughV2_withOnlyItsDefencesAndAttacksOptions() {
    String id =
        server.blocking().createSession(
                io.ablserve.v1.CreateSessionRequest.newBuilder()
                    .setConfig(io.ablserve.v1.SessionConfig.newBuilder()
                        .setAbl(io.ablserve.v1.AblConfig.newBuilder().setDefense(Defense.DEFENSE_NONE))
                        .setAttack(io.ablserve.v1.AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_SIG)))
                    .build())
            .getId();

    Session listed =
        v2().listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList().stream()
            .filter(s -> s.getId().equals(id))
            .findFirst()
            .orElseThrow();

    SessionConfig config = listed.getConfig();
    assertThat(config.getDefenseCase()).isEqualTo(SessionConfig.DefenseCase.NONE);
    assertThat(config.getAttack().getTriggerCase()).isEqualTo(AttackSpec.TriggerCase.SIG);
    assertThat(config.getAttack().getSig().getAmplitude()).isEqualTo(20); // resolved
    assertThat(config.getTraining().hasEpochs()).isTrue();

    Session cancelled = v2().cancelSession(CancelSessionRequest.newBuilder().setSessionId(id).build());
    assertThat(cancelled.getId()).isEqualTo(id);
    assertThat(cancelled.getState())
        .isIn(SessionState.SESSION_STATE_CANCELLED, SessionState.SESSION_STATE_RUNNING);
  }

  @Test
  void defaults_perDefence_areWhatAnEmptyConfigWithItResolvesTo() {
    SessionConfig abl = v2().getSessionDefaults(GetSessionDefaultsRequest.getDefaultInstance());
    assertThat(abl.getDefenseCase()).isEqualTo(SessionConfig.DefenseCase.ABL);
    assertThat(abl.getAbl().hasIsolationEpochs()).isTrue();
    io.ablserve.v1.SessionConfig v1Defaults =
        server.blocking().listDevices(ListDevicesRequest.getDefaultInstance()).getSessionDefaults();
    assertThat(abl.getTraining().getEpochs()).isEqualTo(v1Defaults.getAbl().getEpochs());
    assertThat(abl.getAbl().getIsolationEpochs()).isEqualTo(v1Defaults.getAbl().getIsolationEpochs());
    assertThat(abl).isEqualTo(create(SessionConfig.getDefaultInstance()).getConfig());

    SessionConfig nad =
        v2().getSessionDefaults(GetSessionDefaultsRequest.newBuilder().setDefense("nad").build());
    assertThat(nad.getDefenseCase()).isEqualTo(SessionConfig.DefenseCase.NAD);
    assertThat(nad.getNad().getNad().getTeacherEpochs()).isEqualTo(v1Defaults.getNad().getTeacherEpochs());
    assertThat(nad.getNad().getCleanData()).isEqualTo(v1Defaults.getCleanData());

    assertThatThrownBy(() ->
            v2().getSessionDefaults(GetSessionDefaultsRequest.newBuilder().setDefense("DEFENSE_NAD").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription())
              .contains("defense must be one of [none, abl, ft, fp, nad, mcr] or empty, got 'DEFENSE_NAD'");
        });
  }

  @Test
  void aConfigTheServerRefuses_isInvalidArgument_namingTheField_andQueuesNothing() {
    SessionConfig bad =
        SessionConfig.newBuilder()
            .setTraining(Training.newBuilder().setEpochs(4))
            .setAbl(AntiBackdoorLearning.newBuilder().setIsolationEpochs(9))
            .build();

    assertThatThrownBy(() -> create(bad))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("isolation_epochs");
        });
    assertThat(v2().listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList()).isEmpty();
  }

  @Test
  void aDefenceOrOptionThisServerDoesNotKnow_isRefused_notTrainedAsTheDefault() {
    // A client built from a newer proto: a defence case numbered past this server's, and an option of ABL's.
    SessionConfig newerDefence =
        SessionConfig.newBuilder()
            .setUnknownFields(UnknownFieldSet.newBuilder()
                .addField(16, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.EMPTY).build())
                .build())
            .build();
    SessionConfig newerOption =
        SessionConfig.newBuilder()
            .setAbl(AntiBackdoorLearning.newBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
                .addField(40, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build()))
            .build();

    assertThatThrownBy(() -> create(newerDefence))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains(
              "config has field number 16, which this server's ablserve.v2.SessionConfig does not have");
        });
    assertThatThrownBy(() -> create(newerOption))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
            assertThat(e.getStatus().getDescription()).contains("config.abl has field number 40"));
    io.ablserve.v1.SessionConfig newerV1 =
        io.ablserve.v1.SessionConfig.newBuilder()
            .setAttack(io.ablserve.v1.AttackSpec.newBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
                .addField(99, UnknownFieldSet.Field.newBuilder().addFixed64(7).build()).build()))
            .build();
    assertThatThrownBy(() -> server.blocking().createSession(
            io.ablserve.v1.CreateSessionRequest.newBuilder().setConfig(newerV1).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains(
              "config.attack has field number 99, which this server's ablserve.v1.AttackSpec does not have");
        });
    assertThat(v2().listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList()).isEmpty();
  }

  @Test
  void aTriggerOptionOutOfItsEnum_isInvalidArgument_namingTheV1Field() {
    SessionConfig config =
        SessionConfig.newBuilder()
            .setAttack(AttackSpec.newBuilder().setBadnets(BadNets.newBuilder().setPatchCornerValue(99)))
            .build();

    assertThatThrownBy(() -> create(config))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("patch_corner").contains("99");
        });
  }
}
