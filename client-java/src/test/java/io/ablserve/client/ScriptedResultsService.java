package io.ablserve.client;

import com.google.protobuf.ByteString;
import io.ablserve.v1.EvaluateRequest;
import io.ablserve.v1.EvaluateResponse;
import io.ablserve.v1.ExportModelChunk;
import io.ablserve.v1.ExportModelRequest;
import io.ablserve.v1.GetIsolationRequest;
import io.ablserve.v1.IsolationResult;
import io.ablserve.v1.ModelArch;
import io.ablserve.v1.ModelMetadata;
import io.ablserve.v1.ResultsServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A ResultsService with one exportable session, "s-1", whose parameter file is {@link #PARAMS}, sent in
 * 1000-byte chunks; {@link #corrupt} flips a byte in transit. Other ids are NOT_FOUND.
 */
public final class ScriptedResultsService extends ResultsServiceGrpc.ResultsServiceImplBase {
  public static final byte[] PARAMS = new byte[2500];

  static {
    for (int i = 0; i < PARAMS.length; i++) {
      PARAMS[i] = (byte) (i * 31);
    }
  }

  public final List<EvaluateRequest> evaluations = new CopyOnWriteArrayList<>();
  public volatile boolean corrupt;

  public static ModelMetadata metadata() {
    try {
      return ModelMetadata.newBuilder()
          .setSessionId("s-1")
          .setArch(ModelArch.MODEL_ARCH_SMALL_CNN)
          .setInputChannels(1).setInputHeightPx(28).setInputWidthPx(28).setNumClasses(10)
          .addPixelMean(0.29f).addPixelStd(0.35f)
          .setDataset("fashion-mnist").setEpochs(3)
          .setCleanAccuracy(0.8).setAttackSuccessRate(0.05)
          .setModelName("model").setParamsFile("model-0000.params")
          .setParamsBytes(PARAMS.length)
          .setParamsSha256(
              HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(PARAMS)))
          .setEngine("PyTorch")
          .build();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void exportModel(ExportModelRequest request, StreamObserver<ExportModelChunk> observer) {
    if (!request.getSessionId().equals("s-1")) {
      observer.onError(notFound(request.getSessionId()));
      return;
    }
    observer.onNext(ExportModelChunk.newBuilder().setMetadata(metadata()).build());
    byte[] sent = PARAMS.clone();
    if (corrupt) {
      sent[1234] ^= 1;
    }
    for (int from = 0; from < sent.length; from += 1000) {
      observer.onNext(ExportModelChunk.newBuilder()
          .setChunk(ByteString.copyFrom(sent, from, Math.min(1000, sent.length - from)))
          .build());
    }
    observer.onCompleted();
  }

  @Override
  public void evaluate(EvaluateRequest request, StreamObserver<EvaluateResponse> observer) {
    evaluations.add(request);
    observer.onNext(EvaluateResponse.newBuilder()
        .setCleanAccuracy(0.8125)
        .setAttackSuccessRate(request.hasAttack() ? 0.03125 : Double.NaN)
        .setTestSize(1000)
        .setTriggeredSize(request.hasAttack() ? 900 : 0)
        .setDataset("fashion-mnist")
        .build());
    observer.onCompleted();
  }

  @Override
  public void getIsolation(GetIsolationRequest request, StreamObserver<IsolationResult> observer) {
    observer.onError(Status.FAILED_PRECONDITION
        .withDescription("session '" + request.getSessionId() + "' has no isolation result")
        .asRuntimeException());
  }

  private static RuntimeException notFound(String id) {
    return Status.NOT_FOUND.withDescription("session '" + id + "' not found").asRuntimeException();
  }
}
