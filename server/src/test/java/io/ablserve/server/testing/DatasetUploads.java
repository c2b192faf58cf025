package io.ablserve.server.testing;

import com.google.protobuf.ByteString;
import io.ablserve.v1.Dataset;
import io.ablserve.v1.DatasetServiceGrpc.DatasetServiceStub;
import io.ablserve.v1.DatasetUploadMetadata;
import io.ablserve.v1.UploadDatasetRequest;
import io.grpc.stub.StreamObserver;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** UploadDataset streamed as a client streams it, for tests that send good, bad and partial uploads. */
public final class DatasetUploads {
  private DatasetUploads() {}

  /**
   * Sends {@code metadata}, then {@code bytes} in chunks of at most {@code chunkBytes}, and ends the
   * stream; returns the stored dataset, or throws the server's refusal as it arrived.
   */
  public static Dataset upload(
      DatasetServiceStub stub, DatasetUploadMetadata metadata, byte[] bytes, int chunkBytes)
      throws Exception {
    CompletableFuture<Dataset> result = new CompletableFuture<>();
    StreamObserver<UploadDatasetRequest> requests =
        stub.withDeadlineAfter(30, TimeUnit.SECONDS)
            .uploadDataset(
                new StreamObserver<>() {
                  @Override
                  public void onNext(Dataset value) {
                    result.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    result.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(UploadDatasetRequest.newBuilder().setMetadata(metadata).build());
    for (int from = 0; from < bytes.length; from += chunkBytes) {
      requests.onNext(
          UploadDatasetRequest.newBuilder()
              .setChunk(ByteString.copyFrom(bytes, from, Math.min(chunkBytes, bytes.length - from)))
              .build());
    }
    requests.onCompleted();
    try {
      return result.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  /** The SHA-256 of {@code bytes} in lower-case hex, as upload metadata states it. */
  public static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
