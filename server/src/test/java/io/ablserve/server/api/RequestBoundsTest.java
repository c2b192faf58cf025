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
import io.ablserve.v1.ExportModelRequest;
import io.ablserve.v1.ListSessionsRequest;
import io.ablserve.v1.ResultsServiceGrpc;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionState;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounds on what a request may ask and what an error may say (issue #17, items 3 and 5), over a real port:
 * sizes and attack parameters refused at the API naming the field, short errors for huge input, malformed
 * bytes as INVALID_ARGUMENT, INTERNAL without the server's paths.
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

  @Test
  void malformedRequestBytes_areInvalidArgument_withoutASevereLog() throws Exception {
    start(new ScriptedTrainer(1, false));
    MethodDescriptor<byte[], byte[]> getSession =
        SessionServiceGrpc.getGetSessionMethod().toBuilder(RawBytes.INSTANCE, RawBytes.INSTANCE).build();
    List<LogRecord> severe = new ArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
          synchronized (severe) {
            severe.add(record);
          }
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger root = Logger.getLogger("");
    root.addHandler(handler);
    try {
      // Field 1 (session_id) says 127 bytes follow; one does.
      byte[] truncated = {0x0a, 0x7f, 0x41};
      StatusRuntimeException e =
          refusal(() -> ClientCalls.blockingUnaryCall(
              server.channel(), getSession,
              CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), truncated));

      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains("not a valid protobuf message");
      // The server is unharmed, and the same bytes well-formed reach the service.
      assertStatus(() -> get("abc"), Status.Code.NOT_FOUND, "session 'abc' not found");
    } finally {
      root.removeHandler(handler);
    }
    synchronized (severe) {
      assertThat(severe).extracting(LogRecord::getMessage).isEmpty();
    }
  }

  @Test
  void internalErrors_carryAnErrorIdAndNoPathOfTheDataDir() throws Exception {
    String id = succeededSessionWithAModel();
    try (Stream<Path> files = Files.walk(dataDir)) {
      for (Path params : files.filter(f -> f.toString().endsWith(".params")).toList()) {
        Files.delete(params);
      }
    }

    StatusRuntimeException e =
        refusal(() -> results()
            .exportModel(ExportModelRequest.newBuilder().setSessionId(id).build())
            .forEachRemaining(chunk -> {}));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(e.getStatus().getDescription())
        .matches("internal error, id [0-9a-f]{8} \\(the server log has the details\\)")
        .doesNotContain(dataDir.toString())
        .doesNotContain("/");
  }

  @Test
  void describe_cutsAbsolutePathsToFileNamesAndLongMessagesToTheirLimit() {
    assertThat(ApiCalls.describe("cannot read /home/u/.ablserve/datasets/x/upload.bin: gone"))
        .isEqualTo("cannot read upload.bin: gone");
    assertThat(ApiCalls.describe("abl.isolation_ratio must be in (0, 1), got 1.5 at 800 img/s"))
        .isEqualTo("abl.isolation_ratio must be in (0, 1), got 1.5 at 800 img/s");
    assertThat(ApiCalls.describe("y".repeat(10_000))).hasSize(ApiCalls.MAX_DESCRIPTION_CHARS + 3);
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

  /** Sends and receives messages as their bytes, unparsed. */
  enum RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
