package io.ablserve.server.api;

import io.ablserve.server.session.DatasetNotFoundException;
import io.ablserve.server.session.IllegalTransitionException;
import io.ablserve.server.session.QueueFullException;
import io.ablserve.server.session.SessionNotFoundException;
import io.ablserve.server.session.ShuttingDownException;
import io.ablserve.server.session.UploadTooLargeException;
import io.ablserve.server.session.UserQueueLimitException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.logging.Level;
import java.util.logging.Logger;

/** How the services answer: the session layer's exceptions as gRPC status codes, in one place. */
final class ApiCalls {
  private static final Logger logger = Logger.getLogger(ApiCalls.class.getName());

  private ApiCalls() {}

  /** The longest id this server hands out or accepts (its ids are 36-character UUIDs). */
  static final int MAX_ID_CHARS = 64;

  /** A request's session id; NOT_FOUND, quoting a prefix, for one longer than any id can be. */
  static String sessionId(String id) {
    if (id.isEmpty()) {
      throw new IllegalArgumentException("session_id must not be empty");
    }
    if (id.length() > MAX_ID_CHARS) {
      throw new SessionNotFoundException(id);
    }
    return id;
  }

  interface Call<T> {
    T call() throws IOException;
  }

  /** Answers a unary call with {@code call}'s result or its exception's status. */
  static <T> void unary(StreamObserver<T> observer, Call<T> call) {
    T response;
    try {
      response = call.call();
    } catch (IOException | RuntimeException e) {
      observer.onError(toStatus(e));
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }

  static StatusRuntimeException toStatus(Exception e) {
    Status status;
    if (e instanceof IllegalArgumentException) {
      status = Status.INVALID_ARGUMENT;
    } else if (e instanceof SessionNotFoundException || e instanceof DatasetNotFoundException) {
      status = Status.NOT_FOUND;
    } else if (e instanceof IllegalTransitionException) {
      status = Status.FAILED_PRECONDITION;
    } else if (e instanceof QueueFullException
        || e instanceof UserQueueLimitException
        || e instanceof UploadTooLargeException) {
      status = Status.RESOURCE_EXHAUSTED;
    } else if (e instanceof ShuttingDownException) {
      status = Status.UNAVAILABLE;
    } else if (e instanceof CancellationException) {
      status = Status.CANCELLED; // the caller went away; nobody reads this
    } else {
      logger.log(Level.WARNING, "request failed", e);
      status = Status.INTERNAL;
    }
    return status.withDescription(e.getMessage()).asRuntimeException();
  }
}
