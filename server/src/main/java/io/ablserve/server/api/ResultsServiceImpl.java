package io.ablserve.server.api;

import static io.ablserve.server.api.ApiCalls.sessionId;
import static io.ablserve.server.auth.AuthInterceptor.caller;
import static java.util.Objects.requireNonNull;

import io.ablserve.server.session.SavedModels;
import io.ablserve.server.session.SessionResults;
import io.ablserve.v1.EvaluateRequest;
import io.ablserve.v1.EvaluateResponse;
import io.ablserve.v1.ExportModelChunk;
import io.ablserve.v1.ExportModelRequest;
import io.ablserve.v1.GetIsolationRequest;
import io.ablserve.v1.IsolationResult;
import io.ablserve.v1.ResultsServiceGrpc;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Optional;

/** The v1 ResultsService over {@link SessionResults}; the proto comments are its reference. */
public final class ResultsServiceImpl extends ResultsServiceGrpc.ResultsServiceImplBase {
  private final SessionResults results;

  @Inject
  public ResultsServiceImpl(SessionResults results) {
    this.results = requireNonNull(results, "results");
  }

  @Override
  public void exportModel(
      ExportModelRequest request, StreamObserver<ExportModelChunk> observer) {
    SavedModels.SavedModel saved;
    InputStream params;
    try {
      saved = results.model(sessionId(request.getSessionId()), caller());
      params = Files.newInputStream(saved.paramsFile());
    } catch (IOException | RuntimeException e) {
      observer.onError(ApiCalls.toStatus(e));
      return;
    }
    ModelExport.start(
        saved.metadata(), params, (ServerCallStreamObserver<ExportModelChunk>) observer);
  }

  @Override
  public void evaluate(EvaluateRequest request, StreamObserver<EvaluateResponse> observer) {
    Context call = Context.current();
    ApiCalls.unary(
        observer,
        () -> results.evaluate(
            sessionId(request.getSessionId()),
            request.hasDataset() ? Optional.of(request.getDataset()) : Optional.empty(),
            request.hasAttack() ? Optional.of(request.getAttack()) : Optional.empty(),
            caller(),
            call::isCancelled));
  }

  @Override
  public void getIsolation(GetIsolationRequest request, StreamObserver<IsolationResult> observer) {
    ApiCalls.unary(observer, () -> results.isolation(sessionId(request.getSessionId()), caller()));
  }
}
