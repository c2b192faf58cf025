package io.ablserve.server.api;

import com.google.protobuf.ByteString;
import io.ablserve.v1.ExportModelChunk;
import io.ablserve.v1.ModelMetadata;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One ExportModel call: the metadata, then the parameter file in chunks, sent only while the client is
 * ready ({@code manualflowcontrol}), so a slow client holds one open file and no buffered copy of it.
 * The ready and cancel handlers run serialised on the call's executor.
 */
final class ModelExport implements Runnable {
  /** Chunks of 1 MiB stay well inside gRPC's default 4 MiB message limit. */
  static final int CHUNK_BYTES = 1 << 20;

  private static final Logger logger = Logger.getLogger(ModelExport.class.getName());

  private final ModelMetadata metadata;
  private final InputStream params;
  private final ServerCallStreamObserver<ExportModelChunk> observer;
  private final Runnable onEnd;
  private boolean metadataSent;
  private boolean done;

  private ModelExport(
      ModelMetadata metadata,
      InputStream params,
      ServerCallStreamObserver<ExportModelChunk> observer,
      Runnable onEnd) {
    this.metadata = metadata;
    this.params = params;
    this.observer = observer;
    this.onEnd = onEnd;
  }

  /**
   * Streams {@code params} after {@code metadata}; must be called from the RPC method itself. {@code
   * onEnd} runs once when the export ends: sent, failed or cancelled.
   */
  static void start(
      ModelMetadata metadata,
      InputStream params,
      ServerCallStreamObserver<ExportModelChunk> observer,
      Runnable onEnd) {
    ModelExport export = new ModelExport(metadata, params, observer, onEnd);
    observer.setOnCancelHandler(export::close);
    observer.setOnReadyHandler(export);
  }

  @Override
  public void run() {
    if (done) {
      return;
    }
    try {
      while (observer.isReady()) {
        if (!metadataSent) {
          observer.onNext(ExportModelChunk.newBuilder().setMetadata(metadata).build());
          metadataSent = true;
          continue;
        }
        byte[] chunk = params.readNBytes(CHUNK_BYTES);
        if (chunk.length == 0) {
          close();
          observer.onCompleted();
          return;
        }
        observer.onNext(ExportModelChunk.newBuilder().setChunk(ByteString.copyFrom(chunk)).build());
      }
    } catch (IOException e) {
      close();
      observer.onError(ApiCalls.internal(e)); // logs it under an error id; the message names a path
    }
  }

  private void close() {
    if (done) {
      return;
    }
    done = true;
    try {
      params.close();
    } catch (IOException e) {
      logger.log(Level.FINE, "closing an exported model file", e);
    }
    onEnd.run();
  }
}
