package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.ablserve.server.testing.ModelSavingTrainer;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.AttackKind;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.EvaluateRequest;
import io.ablserve.v1.ListSessionsRequest;
import io.ablserve.v1.ResultsServiceGrpc;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionState;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounds on what a request may ask and what an error may say (issue #17, item 3), over a real port: sizes
 * and attack parameters refused at the API naming the field, short errors for huge input.
 */
class RequestBoundsTest extends ServiceTestBase {
  private static final int MEBIBYTE = 1 << 20;

  @TempDir Path dataDir;

  @Override
  TestServer.Transport transport() {
    return TestServer.Transport.NETTY;
  }

  @Test
  void createSession_refusesADisplayNameOverItsLimit_andListingStaysSmall() throws Exception {
    start(new ScriptedTrainer(1, false));
    String huge = "n".repeat(3 * MEBIBYTE);

    StatusRuntimeException e = refusal(() -> create(config(b -> b.setDisplayName(huge))));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription())
        .contains("display_name must have at most 256 characters, got " + huge.length())
        .hasSizeLessThan(512);
    create(config(b -> b.setDisplayName("d".repeat(256))));
    assertThat(server.blocking().listSessions(ListSessionsRequest.getDefaultInstance())
            .getSessionsList())
        .hasSize(1);
  }

  @Test
  void aMebibyteSessionId_isAShortNotFound() throws Exception {
    start(new ScriptedTrainer(1, false));
    String id = "x".repeat(MEBIBYTE);
    List<ThrowingCallable> calls =
        List.of(
            () -> get(id),
            () -> cancel(id),
            () -> watch(id, 0, false),
            () -> results().evaluate(EvaluateRequest.newBuilder().setSessionId(id).build()));

    for (ThrowingCallable call : calls) {
      StatusRuntimeException e = refusal(call);
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(e.getStatus().getDescription())
          .startsWith("session 'xxxx")
          .contains("(" + MEBIBYTE + " characters) not found")
          .hasSizeLessThan(200);
    }
  }

  @Test
  void createSession_refusesAttackParametersBeyondTheirBoundsOrTheImages() throws Exception {
    start(new ScriptedTrainer(1, false));

    assertInvalid(b -> b.setAttack(wanet(15_000)), "attack.wanet_grid_size must be in [2, 1024]");
    assertInvalid(b -> b.setAttack(wanet(Integer.MAX_VALUE)), "attack.wanet_grid_size");
    assertInvalid(b -> b.setAttack(badNets(Integer.MAX_VALUE)), "attack.patch_size_px must be in [1, 1024]");
    // Fashion-MNIST images are 28x28.
    assertInvalid(b -> b.setAttack(wanet(29)), "attack.wanet_grid_size must be in [2, 28] for 28x28");
    assertInvalid(b -> b.setAttack(badNets(28)), "attack.patch_size_px must be in [1, 27] for 28x28");
    assertInvalid(
        b -> b.setAttack(AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_SIG).setSigFrequency(29)),
        "attack.sig_frequency must be in [1, 28]");
    assertThat(create(config(b -> b.setAttack(wanet(28)))).getConfig().getAttack().getWanetGridSize())
        .isEqualTo(28);
    assertThat(create(config(b -> b.setAttack(badNets(27)))).getConfig().getAttack().getPatchSizePx())
        .isEqualTo(27);
  }

  @Test
  void createSession_refusesTrainingSetsThatLeaveNothingToIsolateOrKeep() throws Exception {
    start(new ScriptedTrainer(1, false));

    assertInvalid(
        b -> b.setDataset(DatasetSpec.newBuilder().setTrainLimit(1)),
        "dataset.train_limit must leave ABL at least 2 training images");
    assertInvalid(
        b -> b.setDataset(DatasetSpec.newBuilder().setTrainLimit(100))
            .setAbl(AblConfig.newBuilder().setIsolationRatio(0.999)),
        "abl.isolation_ratio must be in (0, 0.995) for 100 training images");
    assertThat(create(config(b -> b.setDataset(DatasetSpec.newBuilder().setTrainLimit(2))))
            .getState())
        .isIn(SessionState.SESSION_STATE_QUEUED, SessionState.SESSION_STATE_RUNNING,
            SessionState.SESSION_STATE_SUCCEEDED);
  }

  @Test
  void createSession_refusesOverlongNames() throws Exception {
    start(new ScriptedTrainer(1, false));
    assertInvalid(
        b -> b.setDataset(DatasetSpec.newBuilder().setName("d".repeat(MEBIBYTE))),
        "dataset.name must have at most 128 characters");
    assertInvalid(b -> b.setDevice("g".repeat(MEBIBYTE)), "device must have at most 32 characters");
  }

  @Test
  void evaluate_refusesAttackParametersBeyondTheirBoundsOrTheImages() throws Exception {
    String id = succeededSessionWithAModel();

    assertEvaluateInvalid(id, wanet(15_000), "attack.wanet_grid_size must be in [2, 1024]");
    assertEvaluateInvalid(id, wanet(Integer.MAX_VALUE), "attack.wanet_grid_size");
    assertEvaluateInvalid(id, badNets(Integer.MAX_VALUE), "attack.patch_size_px must be in [1, 1024]");
    assertEvaluateInvalid(id, wanet(29), "attack.wanet_grid_size must be in [2, 28] for 28x28");
    assertEvaluateInvalid(id, badNets(28), "attack.patch_size_px must be in [1, 27] for 28x28");
  }

  private String succeededSessionWithAModel() throws Exception {
    start(new ModelSavingTrainer(), TestServer.CONFIG.withDataDir(dataDir));
    Session session = create(config(b -> b));
    awaitState(session.getId(), SessionState.SESSION_STATE_SUCCEEDED);
    return session.getId();
  }

  private void assertEvaluateInvalid(String id, AttackSpec attack, String message) {
    assertStatus(
        () -> results().evaluate(
            EvaluateRequest.newBuilder().setSessionId(id).setAttack(attack).build()),
        Status.Code.INVALID_ARGUMENT, message);
  }

  private ResultsServiceGrpc.ResultsServiceBlockingStub results() {
    return ResultsServiceGrpc.newBlockingStub(server.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private static AttackSpec wanet(int gridSize) {
    return AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_WANET).setWanetGridSize(gridSize).build();
  }

  private static AttackSpec badNets(int patchSize) {
    return AttackSpec.newBuilder().setKind(AttackKind.ATTACK_KIND_BADNETS).setPatchSizePx(patchSize).build();
  }

  private static StatusRuntimeException refusal(ThrowingCallable call) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown).isInstanceOf(StatusRuntimeException.class);
    return (StatusRuntimeException) thrown;
  }
}
