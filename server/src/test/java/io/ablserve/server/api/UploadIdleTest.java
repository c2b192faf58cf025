package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.ablserve.server.config.ServiceLimits;
import io.ablserve.server.data.NpyFiles;
import io.ablserve.server.testing.DatasetUploads;
import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.v1.Dataset;
import io.ablserve.v1.DatasetServiceGrpc;
import io.ablserve.v1.DatasetUploadMetadata;
import io.ablserve.v1.UploadDatasetRequest;
import io.ablserve.v1.UploadFormat;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An UploadDataset call that stops sending is ended after --upload-idle-seconds (issue #17): it held one
 * of the few upload slots, and its partial file, for as long as its client's deadline, or for ever.
 */
class UploadIdleTest extends ServiceTestBase {
  private static final Duration IDLE = Duration.ofSeconds(1);

  @TempDir Path dataDir;

  @Override
  TestServer.Transport transport() {
    return TestServer.Transport.NETTY;
  }

  private void start() throws Exception {
    start(
        new ScriptedTrainer(1, false),
        TestServer.CONFIG
            .withDataDir(dataDir)
            .withLimits(ServiceLimits.DEFAULTS.withUploadIdleTimeout(IDLE)));
  }

  @Test
  void stalledUploads_areEndedDeadlineExceeded_theirPartialFilesRemoved_andTheirSlotsFreed()
      throws Exception {
    start();
    int slots = ServiceLimits.DEFAULTS.maxConcurrentUploads();
    List<CompletableFuture<Status>> stalled =
        Stream.generate(CompletableFuture<Status>::new).limit(slots).toList();
    for (CompletableFuture<Status> ended : stalled) {
      stall(ended);
    }
    Poll.until("the stalled uploads' partial files", WAIT, () -> incoming().size() == slots);
    CompletableFuture<Status> refused = new CompletableFuture<>();
    stall(refused);
    assertThat(refused.get(20, TimeUnit.SECONDS).getCode())
        .as("every slot is held by a stalled upload")
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);

    for (CompletableFuture<Status> ended : stalled) {
      // Well before the client's own deadline of 60 s.
      Status status = ended.get(20, TimeUnit.SECONDS);
      assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(status.getDescription())
          .isEqualTo(
              "upload idle: no message for 1 s (--upload-idle-seconds); what it sent was removed and"
                  + " it must be sent again");
    }
    Poll.until("the partial files to be removed", WAIT, () -> incoming().isEmpty());
    assertThat(upload(npz(), Duration.ZERO).getTrainSamples())
        .as("a slot is free again")
        .isEqualTo(12);
  }

  @Test
  void uploadThatKeepsSending_outlastsTheIdleTimeout() throws Exception {
    start();
    Duration pause = IDLE.dividedBy(3);
    long started = System.nanoTime();

    Dataset dataset = upload(npz(), pause);

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(IDLE.multipliedBy(2));
    assertThat(dataset.getTrainSamples()).isEqualTo(12);
  }

  /** The folders of uploads being received. */
  private List<Path> incoming() {
    Path folder = dataDir.resolve("datasets").resolve(".incoming");
    try (Stream<Path> entries = Files.list(folder)) {
      return entries.toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An upload that sends its metadata and the first 100 of its 1000 bytes, and then nothing. */
  private void stall(CompletableFuture<Status> ended) {
    StreamObserver<UploadDatasetRequest> call = stub().uploadDataset(observer(null, ended));
    call.onNext(UploadDatasetRequest.newBuilder().setMetadata(metadata(1000, "0".repeat(64))).build());
    call.onNext(UploadDatasetRequest.newBuilder().setChunk(ByteString.copyFrom(new byte[100])).build());
  }

  /** Uploads {@code bytes} in 8 chunks with {@code pause} before each, then ends the stream. */
  private Dataset upload(byte[] bytes, Duration pause) throws Exception {
    CompletableFuture<Dataset> stored = new CompletableFuture<>();
    CompletableFuture<Status> ended = new CompletableFuture<>();
    StreamObserver<UploadDatasetRequest> call = stub().uploadDataset(observer(stored, ended));
    call.onNext(
        UploadDatasetRequest.newBuilder()
            .setMetadata(metadata(bytes.length, DatasetUploads.sha256(bytes)))
            .build());
    int chunk = (bytes.length + 7) / 8;
    for (int from = 0; from < bytes.length; from += chunk) {
      Thread.sleep(pause.toMillis()); // the client's pace under test, not a wait for work
      call.onNext(
          UploadDatasetRequest.newBuilder()
              .setChunk(ByteString.copyFrom(bytes, from, Math.min(chunk, bytes.length - from)))
              .build());
    }
    call.onCompleted();
    Status status = ended.get(30, TimeUnit.SECONDS);
    assertThat(status.isOk()).as("upload ended with %s", status).isTrue();
    return stored.get();
  }

  private DatasetServiceGrpc.DatasetServiceStub stub() {
    return DatasetServiceGrpc.newStub(server.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private static DatasetUploadMetadata metadata(long totalBytes, String sha256) {
    return DatasetUploadMetadata.newBuilder()
        .setName("idle test")
        .setFormat(UploadFormat.UPLOAD_FORMAT_NPZ)
        .setTotalBytes(totalBytes)
        .setSha256(sha256)
        .build();
  }

  private static StreamObserver<Dataset> observer(
      CompletableFuture<Dataset> stored, CompletableFuture<Status> ended) {
    return new StreamObserver<>() {
      @Override
      public void onNext(Dataset dataset) {
        if (stored != null) {
          stored.complete(dataset);
        }
      }

      @Override
      public void onError(Throwable t) {
        ended.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        ended.complete(Status.OK);
      }
    };
  }

  /** An npz of 12 train and 6 test 8x8 grey images of 3 classes. */
  private static byte[] npz() throws Exception {
    Map<String, byte[]> members = new LinkedHashMap<>();
    members.put("x_train", NpyFiles.npy("|u1", new long[] {12, 8, 8}, new byte[12 * 64]));
    members.put("y_train", NpyFiles.labels("|u1", new long[] {12}, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2));
    members.put("x_test", NpyFiles.npy("|u1", new long[] {6, 8, 8}, new byte[6 * 64]));
    members.put("y_test", NpyFiles.labels("|u1", new long[] {6}, 0, 1, 2, 0, 1, 2));
    Path file = Files.createTempFile("upload", ".npz");
    try {
      NpyFiles.writeNpz(file, members, true);
      return Files.readAllBytes(file);
    } finally {
      Files.delete(file);
    }
  }
}
