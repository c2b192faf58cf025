package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.ablserve.server.data.NpyFiles;
import io.ablserve.server.testing.BearerToken;
import io.ablserve.server.testing.DatasetUploads;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.Dataset;
import io.ablserve.v1.DatasetServiceGrpc;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.DatasetUploadMetadata;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.UploadFormat;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What CreateSession says about uploaded datasets it will not train on, over a real port: another user's
 * dataset answers exactly as an unknown one (no existence oracle), and a dataset without training images
 * is refused up front instead of "succeeding".
 */
class DatasetRefusalTest {
  private static final String ALICE = "alice-token-0123456789";
  private static final String BOB = "bob-token-0123456789";

  @TempDir Path dir;
  private final ScriptedTrainer trainer = new ScriptedTrainer(1, false);
  private TestServer server;

  @BeforeEach
  void start() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, ALICE + " alice\n" + BOB + " bob\n");
    server =
        TestServer.start(
            TestServer.Transport.NETTY,
            TestServer.CONFIG.withDataDir(dir.resolve("data")).withTokenFile(tokens),
            new TestingTrainingModule(trainer));
  }

  @AfterEach
  void stop() throws Exception {
    trainer.release();
    server.close();
  }

  @Test
  void anotherUsersDataset_answersExactlyLikeAnUnknownOne() throws Exception {
    Dataset alices = upload(ALICE, npz(30));
    assertThat(createSession(ALICE, alices.getId()).getConfig().getDataset().getName())
        .isEqualTo(alices.getId());
    // An id of the same form that no dataset has.
    String unknown = "ds-" + "0".repeat(alices.getId().length() - 3);

    Status theirs = refusal(BOB, alices.getId());
    Status none = refusal(BOB, unknown);

    assertThat(theirs.getCode()).isEqualTo(none.getCode());
    assertThat(theirs.getDescription().replace(alices.getId(), "ID"))
        .isEqualTo(none.getDescription().replace(unknown, "ID"));
    assertThat(theirs.getDescription()).contains("is unknown");
  }

  @Test
  void aDatasetWithoutTrainingImages_isRefusedAtCreateSession() throws Exception {
    Dataset empty;
    try {
      empty = upload(ALICE, npz(0));
    } catch (StatusRuntimeException e) {
      // Refusing it at upload is as good: nothing can train on it.
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      return;
    }
    Status refused = refusal(ALICE, empty.getId());
    assertThat(refused.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(refused.getDescription()).contains("has no training images");
  }

  private Status refusal(String token, String dataset) {
    Throwable thrown = catchThrowable(() -> createSession(token, dataset));
    assertThat(thrown).isInstanceOf(StatusRuntimeException.class);
    return ((StatusRuntimeException) thrown).getStatus();
  }

  private Session createSession(String token, String dataset) {
    return SessionServiceGrpc.newBlockingStub(server.channel())
        .withCallCredentials(new BearerToken(token))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .createSession(
            CreateSessionRequest.newBuilder()
                .setConfig(
                    SessionConfig.newBuilder()
                        .setDataset(DatasetSpec.newBuilder().setName(dataset)))
                .build());
  }

  /** An npz of {@code n} train and 10 test 8x8 grey images of 3 classes. */
  private static byte[] npz(int n) throws Exception {
    Path file = Files.createTempFile("upload", ".npz");
    Map<String, byte[]> members = new LinkedHashMap<>();
    members.put("x_train", NpyFiles.npy("|u1", new long[] {n, 8, 8}, new byte[n * 64]));
    members.put("y_train", NpyFiles.labels("|u1", new long[] {n}, labels(n)));
    members.put("x_test", NpyFiles.npy("|u1", new long[] {10, 8, 8}, new byte[10 * 64]));
    members.put("y_test", NpyFiles.labels("|u1", new long[] {10}, labels(10)));
    NpyFiles.writeNpz(file, members, true);
    byte[] bytes = Files.readAllBytes(file);
    Files.delete(file);
    return bytes;
  }

  private static int[] labels(int n) {
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 3;
    }
    return labels;
  }

  private Dataset upload(String token, byte[] bytes) throws Exception {
    return DatasetUploads.upload(
        DatasetServiceGrpc.newStub(server.channel()).withCallCredentials(new BearerToken(token)),
        DatasetUploadMetadata.newBuilder()
            .setName("test set")
            .setFormat(UploadFormat.UPLOAD_FORMAT_NPZ)
            .setTotalBytes(bytes.length)
            .setSha256(DatasetUploads.sha256(bytes))
            .build(),
        bytes,
        bytes.length);
  }
}
