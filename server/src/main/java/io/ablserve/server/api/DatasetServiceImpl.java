package io.ablserve.server.api;

import static io.ablserve.server.auth.AuthInterceptor.caller;
import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.ablserve.server.auth.Principal;
import io.ablserve.server.config.ApiPolicy;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.session.ConfiguredDatasets;
import io.ablserve.server.session.DatasetNotFoundException;
import io.ablserve.server.session.DatasetUpload;
import io.ablserve.server.session.SessionManager;
import io.ablserve.server.session.UploadedDatasets;
import io.ablserve.v1.Dataset;
import io.ablserve.v1.DatasetServiceGrpc;
import io.ablserve.v1.DeleteDatasetRequest;
import io.ablserve.v1.DeleteDatasetResponse;
import io.ablserve.v1.ListConfiguredDatasetsRequest;
import io.ablserve.v1.ListConfiguredDatasetsResponse;
import io.ablserve.v1.ListDatasetsRequest;
import io.ablserve.v1.ListDatasetsResponse;
import io.ablserve.v1.UploadDatasetRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/** The v1 DatasetService over {@link UploadedDatasets}; the proto comments are its reference. */
public final class DatasetServiceImpl extends DatasetServiceGrpc.DatasetServiceImplBase {
  private final UploadedDatasets datasets;
  private final SessionManager sessions;
  private final ConfiguredDatasets configured;
  private final Semaphore uploads;
  private final int maxUploads;
  private final ApiPolicy policy;
  private final long idleTimeoutNanos;
  /**
   * Checks for stalled uploads, one thread for all: a check waits at most for the chunk its upload is
   * writing, and only an expired one does I/O (removing the partial upload).
   */
  private final ScheduledExecutorService idleTimer =
      Executors.newSingleThreadScheduledExecutor(
          new ThreadFactoryBuilder().setDaemon(true).setNameFormat("ablserve-upload-idle").build());

  /**
   * The end of an upload (unpacking, reading and checking the whole dataset: seconds) runs here rather
   * than on gRPC's unbounded executor. As many threads as uploads may be open: each upload holds its
   * admission until it has finished, so this never refuses one.
   */
  private final BoundedCalls finishers;

  /**
   * At most {@code config}'s {@code maxConcurrentUploads} uploads are open at once, and each is ended
   * once it has sent nothing for {@code uploadIdleTimeout}.
   */
  @Inject
  public DatasetServiceImpl(
      UploadedDatasets datasets,
      SessionManager sessions,
      ConfiguredDatasets configured,
      ServerConfig config) {
    this.datasets = requireNonNull(datasets, "datasets");
    this.sessions = requireNonNull(sessions, "sessions");
    this.configured = requireNonNull(configured, "configured");
    this.maxUploads = config.limits().maxConcurrentUploads();
    this.uploads = new Semaphore(maxUploads);
    this.finishers = new BoundedCalls("upload-finish", maxUploads, 0, "--max-concurrent-uploads");
    this.policy = config.api();
    this.idleTimeoutNanos = config.limits().uploadIdleTimeout().toNanos();
  }

  @Override
  public StreamObserver<UploadDatasetRequest> uploadDataset(StreamObserver<Dataset> response) {
    return new Upload(caller(), response);
  }

  @Override
  public void listDatasets(
      ListDatasetsRequest request, StreamObserver<ListDatasetsResponse> observer) {
    ApiCalls.unary(
        observer,
        () -> {
          Principal caller = caller();
          Paging.Page<Dataset> page =
              Paging.page(
                  policy, request.getPageSize(), request.getPageToken(),
                  (beforeKey, limit) -> datasets.listPage(caller, beforeKey, limit));
          return ListDatasetsResponse.newBuilder()
              .addAllDatasets(page.items())
              .setNextPageToken(page.nextPageToken())
              .build();
        });
  }

  @Override
  public void listConfiguredDatasets(
      ListConfiguredDatasetsRequest request, StreamObserver<ListConfiguredDatasetsResponse> observer) {
    ApiCalls.unary(
        observer,
        () -> {
          Paging.Page<Dataset> page =
              Paging.pageByName(
                  policy, request.getPageSize(), request.getPageToken(), configured.list(),
                  Dataset::getName);
          return ListConfiguredDatasetsResponse.newBuilder()
              .addAllDatasets(page.items())
              .setNextPageToken(page.nextPageToken())
              .build();
        });
  }

  @Override
  public void deleteDataset(
      DeleteDatasetRequest request, StreamObserver<DeleteDatasetResponse> observer) {
    ApiCalls.unary(
        observer,
        () -> {
          String id = request.getDatasetId();
          if (id.isEmpty()) {
            throw new IllegalArgumentException("dataset_id must not be empty");
          }
          if (id.length() > ApiCalls.MAX_ID_CHARS) {
            throw new DatasetNotFoundException(id); // no id is that long
          }
          datasets.delete(id, caller(), sessions::usesDataset);
          return DeleteDatasetResponse.getDefaultInstance();
        });
  }

  /**
   * One UploadDataset call: metadata first, then chunks written as they come; the first failure answers
   * the call and removes what was received, as does a stall of the idle timeout. gRPC calls its methods
   * one at a time, the idle timer from its own thread: both under this object's lock, except the final
   * load of the dataset, which runs after the call has left the timer's reach ({@code finishing}).
   */
  private final class Upload implements StreamObserver<UploadDatasetRequest> {
    private final Principal caller;
    private final StreamObserver<Dataset> response;
    private DatasetUpload upload;
    /** The dataset an earlier upload with this one's request_id created: this one stores nothing. */
    private Dataset earlier;
    private boolean answered;
    private boolean admitted;
    private boolean finishing;
    private long lastMessageNanos = System.nanoTime();
    private ScheduledFuture<?> idleCheck;

    Upload(Principal caller, StreamObserver<Dataset> response) {
      this.caller = caller;
      this.response = response;
      scheduleIdleCheck(idleTimeoutNanos);
    }

    private synchronized void scheduleIdleCheck(long delayNanos) {
      idleCheck = idleTimer.schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Ends the call when nothing came for the idle timeout, else looks again when it could have. */
    private synchronized void checkIdle() {
      if (answered || finishing) {
        return;
      }
      long idle = System.nanoTime() - lastMessageNanos;
      if (idle < idleTimeoutNanos) {
        scheduleIdleCheck(idleTimeoutNanos - idle);
        return;
      }
      answered = true;
      if (upload != null) {
        upload.abort();
      }
      leave();
      long seconds = TimeUnit.NANOSECONDS.toSeconds(idleTimeoutNanos);
      response.onError(
          Status.DEADLINE_EXCEEDED
              .withDescription(
                  "upload idle: no message for " + seconds + " s (--upload-idle-seconds); what it"
                      + " sent was removed and it must be sent again")
              .asRuntimeException());
    }

    /** No idle check runs for this call from now on. */
    private void stopIdleCheck() {
      if (idleCheck != null) {
        idleCheck.cancel(false);
      }
    }

    @Override
    public synchronized void onNext(UploadDatasetRequest request) {
      if (answered) {
        return; // already failed; the rest of the stream is ignored
      }
      lastMessageNanos = System.nanoTime();
      try {
        if (earlier != null) {
          return; // a retry of a finished upload: its bytes are not needed
        }
        if (upload == null) {
          if (!request.hasMetadata()) {
            throw new IllegalArgumentException("the first message must carry the metadata");
          }
          String sha256 = request.getMetadata().getSha256();
          if (sha256.length() != 64) {
            throw new IllegalArgumentException(
                "metadata.sha256 must be 64 hex digits, got " + sha256.length() + " characters");
          }
          Optional<Dataset> previous = datasets.previousUpload(request.getMetadata(), caller);
          if (previous.isPresent()) {
            earlier = previous.get();
            return;
          }
          if (!uploads.tryAcquire()) {
            answered = true;
            response.onError(
                ErrorDetails.quotaExceeded(
                    "TOO_MANY_UPLOADS",
                    "too many UploadDataset calls: " + maxUploads
                        + " may be open at once (--max-concurrent-uploads); retry later",
                    "--max-concurrent-uploads",
                    true));
            return;
          }
          admitted = true;
          upload = datasets.begin(request.getMetadata(), caller);
        } else if (request.hasChunk()) {
          upload.write(request.getChunk());
        } else {
          throw new IllegalArgumentException("only the first message may carry metadata");
        }
      } catch (IOException | RuntimeException e) {
        fail(e);
      } finally {
        lastMessageNanos = System.nanoTime(); // the time the server took to write is not the client's
      }
    }

    @Override
    public synchronized void onError(Throwable t) {
      answered = true;
      stopIdleCheck();
      if (upload != null) {
        upload.abort(); // the client went away: nothing of its upload stays
      }
      leave();
    }

    /** Frees this call's upload slot, once. */
    private void leave() {
      if (admitted) {
        admitted = false;
        uploads.release();
      }
    }

    @Override
    public void onCompleted() {
      synchronized (this) {
        if (answered) {
          return;
        }
        finishing = true; // loading may take long: the idle timer must not end the call meanwhile
        stopIdleCheck();
      }
      if (earlier != null) {
        answered = true;
        response.onNext(earlier);
        response.onCompleted();
        return;
      }
      if (upload == null) {
        fail(new IllegalArgumentException("the upload carried no metadata"));
        return;
      }
      if (!finishers.offer(this::finish)) {
        // Cannot happen while each upload holds its admission until finished.
        fail(new IllegalStateException("no thread free to finish the upload"));
      }
    }

    private void finish() {
      Dataset dataset;
      try {
        dataset = datasets.finish(upload);
      } catch (IOException | RuntimeException e) {
        fail(e);
        return;
      }
      leave();
      answered = true;
      response.onNext(dataset);
      response.onCompleted();
    }

    private synchronized void fail(Exception e) {
      answered = true;
      stopIdleCheck();
      if (upload != null) {
        upload.abort();
      }
      leave();
      response.onError(ApiCalls.toStatus(e));
    }
  }
}
