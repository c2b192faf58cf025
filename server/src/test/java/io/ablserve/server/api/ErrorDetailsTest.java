package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.testing.BearerToken;
import io.ablserve.server.testing.FaultyStoreModule;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.v1.AblConfig;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionServiceGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** google.rpc error details, read back as a client does, with StatusProto.fromThrowable. */
class ErrorDetailsTest {
  private static final String ALICE = "alice-token-0123456789";

  @TempDir Path dir;
  private final ScriptedTrainer trainer = new ScriptedTrainer(1, true);
  private TestServer server;

  @AfterEach
  void stop() throws Exception {
    trainer.release();
    if (server != null) {
      server.close();
    }
  }

  private SessionServiceGrpc.SessionServiceBlockingStub alice() {
    return SessionServiceGrpc.newBlockingStub(server.channel())
        .withCallCredentials(new BearerToken(ALICE))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private void create(AblConfig.Builder abl) {
    alice().createSession(
        CreateSessionRequest.newBuilder().setConfig(SessionConfig.newBuilder().setAbl(abl)).build());
  }

  private ServerConfig config(int maxQueued, int maxQueuedPerUser) throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), ALICE + " alice\n");
    return new ServerConfig(0, "127.0.0.1", dir.resolve("data"), "cpu",
            TestServer.CONFIG.datasetRoots(), maxQueued)
        .withTokenFile(tokens)
        .withMaxQueuedPerUser(maxQueuedPerUser);
  }

  private static com.google.rpc.Status details(ThrowingCallable call, Status.Code code) {
    com.google.rpc.Status[] status = new com.google.rpc.Status[1];
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      status[0] = StatusProto.fromThrowable(e);
    });
    assertThat(status[0]).as("a google.rpc.Status in the trailers").isNotNull();
    assertThat(status[0].getCode()).isEqualTo(code.value());
    return status[0];
  }

  private static <T extends Message> Optional<T> detail(com.google.rpc.Status status, Class<T> type) {
    for (Any any : status.getDetailsList()) {
      if (any.is(type)) {
        try {
          return Optional.of(any.unpack(type));
        } catch (InvalidProtocolBufferException e) {
          throw new AssertionError(e);
        }
      }
    }
    return Optional.empty();
  }

  @Test
  void invalidConfig_carriesABadRequestNamingTheField() throws Exception {
    server = TestServer.start(TestServer.Transport.NETTY, config(10, 4),
        new TestingTrainingModule(trainer));
    com.google.rpc.Status status =
        details(() -> create(AblConfig.newBuilder().setLearningRate(-1)), Status.Code.INVALID_ARGUMENT);
    assertThat(status.getMessage()).contains("abl.learning_rate");
    assertThat(ListPagingTest.fieldViolations(
            StatusProto.toStatusRuntimeException(status)))
        .containsExactly("abl.learning_rate");
  }

  @Test
  void queueLimits_carryAnErrorInfoReasonAndARetryInfo() throws Exception {
    server = TestServer.start(TestServer.Transport.NETTY, config(2, 1),
        new TestingTrainingModule(trainer));
    create(AblConfig.newBuilder());
    trainer.awaitStarted();
    create(AblConfig.newBuilder());

    com.google.rpc.Status perUser =
        details(() -> create(AblConfig.newBuilder()), Status.Code.RESOURCE_EXHAUSTED);
    ErrorInfo info = detail(perUser, ErrorInfo.class).orElseThrow();
    assertThat(info.getReason()).isEqualTo("USER_QUEUE_LIMIT");
    assertThat(info.getDomain()).isEqualTo("ablserve.io");
    assertThat(info.getMetadataMap()).containsEntry("limit", "--max-queued-per-user");
    assertThat(detail(perUser, RetryInfo.class).orElseThrow().getRetryDelay().getSeconds())
        .isPositive();
  }

  @Test
  void fullQueue_isQueueFull() throws Exception {
    server = TestServer.start(TestServer.Transport.IN_PROCESS, config(1, 4),
        new TestingTrainingModule(trainer));
    create(AblConfig.newBuilder());
    trainer.awaitStarted();
    create(AblConfig.newBuilder());
    com.google.rpc.Status full =
        details(() -> create(AblConfig.newBuilder()), Status.Code.RESOURCE_EXHAUSTED);
    assertThat(detail(full, ErrorInfo.class).orElseThrow().getReason()).isEqualTo("QUEUE_FULL");
    assertThat(detail(full, RetryInfo.class)).isPresent();
  }

  @Test
  void unwritableStore_isUnavailableWithARetryInfo() throws Exception {
    FaultyStoreModule.Fault fault = new FaultyStoreModule.Fault();
    server = TestServer.start(TestServer.Transport.IN_PROCESS, config(10, 4),
        new TestingTrainingModule(trainer), FaultyStoreModule.of(fault));
    fault.failNext(FaultyStoreModule.Fault.ALWAYS);
    com.google.rpc.Status unavailable =
        details(() -> create(AblConfig.newBuilder()), Status.Code.UNAVAILABLE);
    assertThat(detail(unavailable, RetryInfo.class)).isPresent();
    assertThat(unavailable.getMessage()).doesNotContain(dir.toString());
  }
}
