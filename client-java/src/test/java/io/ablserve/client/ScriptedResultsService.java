package io.ablserve.client;

import com.google.protobuf.ByteString;
import io.ablserve.v1.EvaluateRequest;
import io.ablserve.v1.EvaluateResponse;
import io.ablserve.v1.ExportModelChunk;
import io.ablserve.v1.ExportModelRequest;
import io.ablserve.v1.GetIsolationRequest;
import io.ablserve.v1.GetSampleImagesRequest;
import io.ablserve.v1.GetSampleImagesResponse;
import io.ablserve.v1.IsolationResult;
import io.ablserve.v1.ModelArch;
import io.ablserve.v1.ModelFormat;
import io.ablserve.v1.ModelMetadata;
import io.ablserve.v1.ResultsServiceGrpc;
import io.ablserve.v1.SampleImage;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.imageio.ImageIO;

/**
 * A ResultsService with one exportable session, "s-1", whose parameter file is {@link #PARAMS}, sent in
 * 1000-byte chunks; {@link #corrupt} flips a byte in transit. Other ids are NOT_FOUND.
 */
public final class ScriptedResultsService extends ResultsServiceGrpc.ResultsServiceImplBase {
  public static final byte[] PARAMS = new byte[2500];
  /** The same model as safetensors: other bytes, so a test can tell which file a format brought. */
  public static final byte[] SAFETENSORS = new byte[1700];

  static {
    for (int i = 0; i < SAFETENSORS.length; i++) {
      SAFETENSORS[i] = (byte) (i * 7 + 3);
    }
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
          .setSafetensorsFile("model.safetensors")
          .setSafetensorsBytes(SAFETENSORS.length)
          .setSafetensorsSha256(
              HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(SAFETENSORS)))
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
    byte[] sent =
        (request.getFormat() == ModelFormat.MODEL_FORMAT_SAFETENSORS ? SAFETENSORS : PARAMS).clone();
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

  /**
   * Three 28x28 grey samples (the second poisoned, with a white corner), or INVALID_ARGUMENT past 256
   * images, as the real server answers.
   */
  @Override
  public void getSampleImages(
      GetSampleImagesRequest request, StreamObserver<GetSampleImagesResponse> observer) {
    if (request.getMaxImages() > 256) {
      observer.onError(Status.INVALID_ARGUMENT
          .withDescription("max_images must be in [0, 256] (0 means 64), got " + request.getMaxImages())
          .asRuntimeException());
      return;
    }
    GetSampleImagesResponse.Builder response = GetSampleImagesResponse.newBuilder().setTotalCount(3);
    for (int i = 0; i < 3; i++) {
      boolean poisoned = i == 1;
      SampleImage.Builder sample = SampleImage.newBuilder()
          .setIndex(10 * i)
          .setLabel(poisoned ? 0 : i)
          .setTrueLabel(i)
          .setPoisoned(poisoned)
          .setPng(png(poisoned ? 255 : 40 * i));
      if (i == 0) {
        sample.setLoss(0.125f);
      }
      response.addImages(sample);
    }
    observer.onNext(response.setNextOffset(3).build());
    observer.onCompleted();
  }

  /** A 28x28 grey PNG, black but for its bottom-right pixel of value {@code corner}. */
  private static ByteString png(int corner) {
    BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    image.getRaster().setSample(27, 27, 0, corner);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ByteString.copyFrom(out.toByteArray());
  }

  private static RuntimeException notFound(String id) {
    return Status.NOT_FOUND.withDescription("session '" + id + "' not found").asRuntimeException();
  }
}
