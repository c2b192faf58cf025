package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.config.ServiceLimits;
import io.ablserve.server.testing.ModelSavingTrainer;
import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.v1.Dataset;
import io.ablserve.v1.DatasetServiceGrpc;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.DatasetUploadMetadata;
import io.ablserve.v1.EvaluateRequest;
import io.ablserve.v1.EvaluateResponse;
import io.ablserve.v1.ResultsServiceGrpc;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.UploadDatasetRequest;
import io.ablserve.v1.UploadFormat;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Floods (issue #17, item 4) over a real port: Evaluate calls past the configured running and waiting
 * ones and uploads past the open ones are refused at once, and a connection that resets streams in a loop
 * is closed.
 */
class AdmissionTest extends ServiceTestBase {
  /** Test images per evaluation: enough that a dozen calls sent at once overlap. */
  private static final int TEST_LIMIT = 3000;

  @TempDir Path dataDir;

  @Override
  TestServer.Transport transport() {
    return TestServer.Transport.NETTY;
  }

  @Test
  void evaluate_floodBeyondTheQueue_refusesTheExcessAndAnswersTheRest() throws Exception {
    start(
        new ModelSavingTrainer(),
        TestServer.CONFIG
            .withDataDir(dataDir)
            .withLimits(ServiceLimits.DEFAULTS.withEvaluations(1, 1)));
    Session session = create(config(b -> b));
    awaitState(session.getId(), SessionState.SESSION_STATE_SUCCEEDED);
    EvaluateRequest request =
        EvaluateRequest.newBuilder()
            .setSessionId(session.getId())
            .setDataset(DatasetSpec.newBuilder().setTestLimit(TEST_LIMIT))
            .build();
    ResultsServiceGrpc.ResultsServiceStub results =
        ResultsServiceGrpc.newStub(server.channel()).withDeadlineAfter(120, TimeUnit.SECONDS);

    List<CompletableFuture<Status>> calls =
        IntStream.range(0, 12)
            .mapToObj(i -> {
              CompletableFuture<Status> done = new CompletableFuture<>();
              results.evaluate(request, new StreamObserver<>() {
                @Override
                public void onNext(EvaluateResponse response) {
                  assertThat(response.getTestSize()).isEqualTo(TEST_LIMIT);
                }

                @Override
                public void onError(Throwable t) {
                  done.complete(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                  done.complete(Status.OK);
                }
              });
              return done;
            })
            .toList();
    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);

    Map<Status.Code, Long> codes =
        calls.stream()
            .map(CompletableFuture::join)
            .collect(Collectors.groupingBy(Status::getCode, Collectors.counting()));
    assertThat(codes.keySet()).containsOnly(Status.Code.OK, Status.Code.RESOURCE_EXHAUSTED);
    assertThat(codes.get(Status.Code.OK)).isBetween(1L, 11L);
    assertThat(codes.get(Status.Code.RESOURCE_EXHAUSTED)).isBetween(1L, 11L);
    Status refused =
        calls.stream().map(CompletableFuture::join).filter(s -> !s.isOk()).findFirst().orElseThrow();
    assertThat(refused.getDescription())
        .contains("1 run at once and 1 may wait")
        .contains("--max-queued-evaluations");
    // Once the flood has drained, Evaluate answers again.
    assertThat(ResultsServiceGrpc.newBlockingStub(server.channel())
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .evaluate(request)
            .getTestSize())
        .isEqualTo(TEST_LIMIT);
  }

  @Test
  void uploads_pastTheOpenLimit_areRefusedUntilOneEnds() throws Exception {
    start(new ScriptedTrainer(1, false), TestServer.CONFIG.withDataDir(dataDir));
    int limit = ServiceLimits.DEFAULTS.maxConcurrentUploads();
    // One more than the limit at once: whichever reaches the server last is refused.
    List<StreamObserver<UploadDatasetRequest>> calls = new ArrayList<>();
    List<CompletableFuture<Status>> ends = new ArrayList<>();
    for (int i = 0; i <= limit; i++) {
      CompletableFuture<Status> ended = new CompletableFuture<>();
      ends.add(ended);
      calls.add(beginUpload(ended));
    }

    Status status =
        (Status) CompletableFuture.anyOf(ends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains(limit + " may be open at once (--max-concurrent-uploads)");
    List<StreamObserver<UploadDatasetRequest>> open = new ArrayList<>();
    for (int i = 0; i <= limit; i++) {
      if (!ends.get(i).isDone()) {
        open.add(calls.get(i));
      }
    }
    assertThat(open).hasSize(limit);

    // A client that leaves frees its slot.
    open.get(0).onError(new RuntimeException("gone"));
    Poll.until("an upload slot to free", WAIT, () -> {
      CompletableFuture<Status> next = new CompletableFuture<>();
      StreamObserver<UploadDatasetRequest> call = beginUpload(next);
      try {
        Status answer = next.get(300, TimeUnit.MILLISECONDS);
        return answer.getCode() != Status.Code.RESOURCE_EXHAUSTED;
      } catch (java.util.concurrent.TimeoutException e) {
        call.onError(new RuntimeException("done")); // admitted and waiting for bytes
        return true;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    open.forEach(call -> call.onError(new RuntimeException("done")));
  }

  /** An upload that sends its metadata and then waits; {@code ended} gets the status it ends with. */
  private StreamObserver<UploadDatasetRequest> beginUpload(CompletableFuture<Status> ended) {
    StreamObserver<UploadDatasetRequest> call =
        DatasetServiceGrpc.newStub(server.channel())
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .uploadDataset(new StreamObserver<>() {
              @Override
              public void onNext(Dataset dataset) {}

              @Override
              public void onError(Throwable t) {
                ended.complete(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                ended.complete(Status.OK);
              }
            });
    call.onNext(
        UploadDatasetRequest.newBuilder()
            .setMetadata(
                DatasetUploadMetadata.newBuilder()
                    .setName("held")
                    .setFormat(UploadFormat.UPLOAD_FORMAT_NPZ)
                    .setTotalBytes(10)
                    .setSha256("0".repeat(64)))
            .build());
    return call;
  }

  /**
   * HTTP/2 rapid reset: streams opened and reset in a loop on one connection. Past the configured RST
   * frames per window the server closes the connection, which ends a call open on it.
   */
  @Test
  void rapidReset_onOneConnection_getsTheConnectionClosed() throws Exception {
    start(
        new ScriptedTrainer(1, false),
        TestServer.CONFIG.withLimits(
            ServiceLimits.DEFAULTS.withRstFrames(20, Duration.ofSeconds(60))));
    HealthCheckRequest all = HealthCheckRequest.getDefaultInstance();
    CompletableFuture<Status> victim = new CompletableFuture<>();
    HealthGrpc.newStub(server.channel()).watch(all, new StreamObserver<>() {
      @Override
      public void onNext(HealthCheckResponse response) {}

      @Override
      public void onError(Throwable t) {
        victim.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        victim.complete(Status.OK);
      }
    });
    // The victim's stream is open once its first answer could arrive.
    HealthGrpc.newBlockingStub(server.channel()).withDeadlineAfter(10, TimeUnit.SECONDS).check(all);

    for (int i = 0; i < 200 && !victim.isDone(); i++) {
      ClientCall<HealthCheckRequest, HealthCheckResponse> call =
          server.channel().newCall(HealthGrpc.getWatchMethod(), CallOptions.DEFAULT);
      call.start(new ClientCall.Listener<>() {}, new Metadata());
      call.sendMessage(all);
      call.halfClose();
      call.request(1);
      call.cancel("reset", null);
    }

    // The GOAWAY's ENHANCE_YOUR_CALM reads RESOURCE_EXHAUSTED when it reaches the call first.
    Status ended = victim.get(20, TimeUnit.SECONDS);
    assertThat(ended.getCode()).isIn(Status.Code.UNAVAILABLE, Status.Code.RESOURCE_EXHAUSTED);
  }
}
