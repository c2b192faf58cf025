package io.ablserve.server.api;

import io.ablserve.server.session.DataDirNotWritableException;
import io.ablserve.server.session.DatasetNotFoundException;
import io.ablserve.server.session.DiskSpaceLowException;
import io.ablserve.server.session.IllegalTransitionException;
import io.ablserve.server.session.QueueFullException;
import io.ablserve.server.session.SessionNotFoundException;
import io.ablserve.server.session.ShuttingDownException;
import io.ablserve.server.session.StoreUnavailableException;
import io.ablserve.server.session.UploadTooLargeException;
import io.ablserve.server.session.UserQueueLimitException;
import io.ablserve.server.store.StoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How the services answer: the session layer's exceptions as gRPC status codes, in one place. */
final class ApiCalls {
  private static final Logger logger = Logger.getLogger(ApiCalls.class.getName());
  /** Room for a message naming a field, its range and a quoted prefix of the input. */
  static final int MAX_DESCRIPTION_CHARS = 512;
  /** The folders of an absolute path (not of a URL or a ratio such as img/s): {@code /a/b/} of /a/b/c. */
  /** A request field path at the start of a message, before "must" or "is". */
  private static final Pattern LEADING_FIELD =
      Pattern.compile("([a-z][a-z0-9_]*(?:\\.[a-z][a-z0-9_]*)*) (?:must|is|has) ");

  private static final Pattern ABSOLUTE_PATH_DIRS =
      Pattern.compile("(?<![\\w.:/~-])/(?:[^\\s'\"/:,;()\\[\\]]+/)+");

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

  /**
   * The status of a failed call, with google.rpc details where a client can act on them: a BadRequest
   * naming the field of an INVALID_ARGUMENT, an ErrorInfo with the reason of a RESOURCE_EXHAUSTED, and a
   * RetryInfo when the same call may succeed later.
   */
  static StatusRuntimeException toStatus(Exception e) {
    Status status;
    if (e instanceof IllegalArgumentException) {
      return invalidArgument(describe(e.getMessage()));
    } else if (e instanceof SessionNotFoundException || e instanceof DatasetNotFoundException) {
      status = Status.NOT_FOUND;
    } else if (e instanceof IllegalTransitionException || e instanceof DataDirNotWritableException) {
      status = Status.FAILED_PRECONDITION;
    } else if (e instanceof QueueFullException) {
      return ErrorDetails.quotaExceeded("QUEUE_FULL", describe(e.getMessage()), "--max-queued", true);
    } else if (e instanceof UserQueueLimitException) {
      return ErrorDetails.quotaExceeded(
          "USER_QUEUE_LIMIT", describe(e.getMessage()), "--max-queued-per-user", true);
    } else if (e instanceof UploadTooLargeException) {
      return ErrorDetails.quotaExceeded(
          "UPLOAD_TOO_LARGE", describe(e.getMessage()), null, false);
    } else if (e instanceof DiskSpaceLowException) {
      return ErrorDetails.quotaExceeded(
          "DISK_SPACE_LOW", describe(e.getMessage()), "--min-free-bytes", false);
    } else if (e instanceof ShuttingDownException) {
      status = Status.UNAVAILABLE;
    } else if (e instanceof StoreUnavailableException) {
      return ErrorDetails.unavailable(describe(e.getMessage()));
    } else if (e instanceof StoreException) {
      // The store failed this write (a full disk, say); it says nothing of the request: retrying may help.
      logger.log(Level.WARNING, "request failed in the store", e);
      return ErrorDetails.unavailable("the server could not write its session store; retry later");
    } else if (e instanceof CancellationException) {
      status = Status.CANCELLED; // the caller went away; nobody reads this
    } else {
      return internal(e);
    }
    return status.withDescription(describe(e.getMessage())).asRuntimeException();
  }

  /**
   * INVALID_ARGUMENT with {@code description}, and a BadRequest naming the field when the description
   * starts with one, as the config checks' messages do ("abl.learning_rate must be > 0, got -1").
   */
  static StatusRuntimeException invalidArgument(String description) {
    Matcher field = LEADING_FIELD.matcher(description == null ? "" : description);
    return ErrorDetails.invalidArgument(description, field.lookingAt() ? field.group(1) : null);
  }

  /**
   * INTERNAL for a server fault: the client gets an error id and no detail (messages of file errors name
   * the server's paths); the log has the id beside the whole exception, for the operator to grep.
   */
  static StatusRuntimeException internal(Throwable e) {
    String errorId = UUID.randomUUID().toString().substring(0, 8);
    logger.log(Level.WARNING, "request failed, error id " + errorId, e);
    return Status.INTERNAL
        .withDescription("internal error, id " + errorId + " (the server log has the details)")
        .asRuntimeException();
  }

  /**
   * A message fit for a client: absolute paths cut to their file names, and no longer than {@value
   * #MAX_DESCRIPTION_CHARS} characters whatever input it quotes.
   */
  static String describe(String message) {
    if (message == null) {
      return null;
    }
    String scrubbed = ABSOLUTE_PATH_DIRS.matcher(message).replaceAll("");
    return scrubbed.length() <= MAX_DESCRIPTION_CHARS
        ? scrubbed
        : scrubbed.substring(0, MAX_DESCRIPTION_CHARS) + "...";
  }
}
