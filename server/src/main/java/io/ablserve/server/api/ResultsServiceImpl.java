package io.ablserve.server.api;

import static io.ablserve.server.api.ApiCalls.sessionId;
import static io.ablserve.server.auth.AuthInterceptor.caller;
import static java.util.Objects.requireNonNull;

import io.ablserve.server.auth.Principal;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.config.ServiceLimits;
import io.ablserve.server.session.IllegalTransitionException;
import io.ablserve.server.session.SavedModels;
import io.ablserve.server.session.SessionResults;
import io.ablserve.server.session.SessionSamples;
import io.ablserve.v1.EvaluateRequest;
import io.ablserve.v1.EvaluateResponse;
import io.ablserve.v1.ExportModelChunk;
import io.ablserve.v1.ExportModelRequest;
import io.ablserve.v1.ModelFormat;
import io.ablserve.v1.GetIsolationRequest;
import io.ablserve.v1.GetSampleImagesRequest;
import io.ablserve.v1.GetSampleImagesResponse;
import io.ablserve.v1.IsolationResult;
import io.ablserve.v1.ResultsServiceGrpc;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * The v1 ResultsService over {@link SessionResults}; the proto comments are its reference. Evaluate and
 * ExportModel are admitted within the server's {@link ServiceLimits}.
 */
public final class ResultsServiceImpl extends ResultsServiceGrpc.ResultsServiceImplBase {
  private final SessionResults results;
  private final SessionSamples samples;
  private final BoundedCalls evaluations;
  private final Semaphore exports;
  private final int maxExports;

  @Inject
  public ResultsServiceImpl(SessionResults results, SessionSamples samples, ServerConfig config) {
    this.results = requireNonNull(results, "results");
    this.samples = requireNonNull(samples, "samples");
    ServiceLimits limits = config.limits();
    this.evaluations =
        new BoundedCalls(
            "Evaluate", limits.maxConcurrentEvaluations(), limits.maxQueuedEvaluations(),
            "--max-concurrent-evaluations, --max-queued-evaluations");
    this.maxExports = limits.maxConcurrentExports();
    this.exports = new Semaphore(maxExports);
  }

  @Override
  public void exportModel(
      ExportModelRequest request, StreamObserver<ExportModelChunk> observer) {
    if (!exports.tryAcquire()) {
      observer.onError(
          ErrorDetails.quotaExceeded(
              "TOO_MANY_EXPORTS",
              "too many ExportModel streams: " + maxExports
                  + " may be open at once (--max-concurrent-exports); retry later",
              "--max-concurrent-exports",
              true));
      return;
    }
    SavedModels.SavedModel saved;
    InputStream params;
    try {
      saved = results.model(sessionId(request.getSessionId()), caller());
      params = Files.newInputStream(exportedFile(saved, request.getFormat()));
    } catch (IOException | RuntimeException e) {
      exports.release();
      observer.onError(ApiCalls.toStatus(e));
      return;
    }
    ModelExport.start(
        saved.metadata(), params, (ServerCallStreamObserver<ExportModelChunk>) observer,
        exports::release);
  }

  private static Path exportedFile(SavedModels.SavedModel saved, ModelFormat format) {
    return switch (format) {
      case MODEL_FORMAT_UNSPECIFIED, MODEL_FORMAT_DJL_PARAMS -> saved.paramsFile();
      case MODEL_FORMAT_SAFETENSORS -> saved.safetensorsFile().orElseThrow(() ->
          new IllegalTransitionException(
              "session '" + saved.metadata().getSessionId() + "' was saved before this server wrote"
                  + " safetensors; export it with format MODEL_FORMAT_DJL_PARAMS"));
      case UNRECOGNIZED -> throw new IllegalArgumentException(
          "format must be MODEL_FORMAT_DJL_PARAMS or MODEL_FORMAT_SAFETENSORS, got "
              + format.getNumber());
    };
  }

  @Override
  public void evaluate(EvaluateRequest request, StreamObserver<EvaluateResponse> observer) {
    Context call = Context.current();
    Principal caller = caller();
    // Answered from another thread, maybe after the client left: no exception for answering late.
    ((ServerCallStreamObserver<EvaluateResponse>) observer).setOnCancelHandler(() -> {});
    boolean admitted =
        evaluations.offer(call.wrap(() -> {
          if (call.isCancelled()) {
            return; // waited past its deadline or its client left: nobody reads an answer
          }
          ApiCalls.unary(
              observer,
              () -> results.evaluate(
                  sessionId(request.getSessionId()),
                  request.hasDataset() ? Optional.of(request.getDataset()) : Optional.empty(),
                  request.hasAttack() ? Optional.of(request.getAttack()) : Optional.empty(),
                  caller,
                  call::isCancelled));
        }));
    if (!admitted) {
      observer.onError(evaluations.refusal());
    }
  }

  @Override
  public void getIsolation(GetIsolationRequest request, StreamObserver<IsolationResult> observer) {
    ApiCalls.unary(
        observer, () -> results.isolationWithSets(sessionId(request.getSessionId()), caller()));
  }

  @Override
  public void getSampleImages(
      GetSampleImagesRequest request, StreamObserver<GetSampleImagesResponse> observer) {
    ApiCalls.unary(
        observer, () -> samples.images(sessionId(request.getSessionId()), request, caller()));
  }
}
