package io.ablserve.server.api;

import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;

/**
 * Errors with google.rpc details (Google AIP-193), which clients read with {@code
 * StatusProto.fromThrowable}: what a program needs to act on without parsing the description.
 */
final class ErrorDetails {
  /** ErrorInfo.domain of this server's errors. */
  static final String DOMAIN = "ablserve.io";
  /** The wait suggested for a full queue or an admission limit: sessions and calls take seconds. */
  static final Duration QUOTA_RETRY_DELAY = Duration.ofSeconds(10);
  /** The wait suggested while the store takes no writes; it is probed every second. */
  static final Duration STORE_RETRY_DELAY = Duration.ofSeconds(2);

  private ErrorDetails() {}

  /** INVALID_ARGUMENT, with a BadRequest field violation when {@code field} is not null. */
  static StatusRuntimeException invalidArgument(String description, String field) {
    com.google.rpc.Status.Builder status = status(Code.INVALID_ARGUMENT, description);
    if (field != null) {
      status.addDetails(
          Any.pack(
              BadRequest.newBuilder()
                  .addFieldViolations(
                      BadRequest.FieldViolation.newBuilder()
                          .setField(field)
                          .setDescription(description))
                  .build()));
    }
    return StatusProto.toStatusRuntimeException(status.build());
  }

  /**
   * RESOURCE_EXHAUSTED for a limit of the server's: an ErrorInfo with {@code reason} and, when known, the limit's
   * flag in its metadata ({@code limit}, e.g. {@code --max-queued}), and a RetryInfo when waiting can help.
   */
  static StatusRuntimeException quotaExceeded(
      String reason, String description, String limit, boolean retryable) {
    com.google.rpc.Status.Builder status = status(Code.RESOURCE_EXHAUSTED, description);
    ErrorInfo.Builder info = ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN);
    if (limit != null) {
      info.putMetadata("limit", limit);
    }
    status.addDetails(Any.pack(info.build()));
    if (retryable) {
      status.addDetails(retry(QUOTA_RETRY_DELAY));
    }
    return StatusProto.toStatusRuntimeException(status.build());
  }

  /** UNAVAILABLE while the store takes no writes, with a RetryInfo: the same call may succeed soon. */
  static StatusRuntimeException unavailable(String description) {
    return StatusProto.toStatusRuntimeException(
        status(Code.UNAVAILABLE, description).addDetails(retry(STORE_RETRY_DELAY)).build());
  }

  private static com.google.rpc.Status.Builder status(Code code, String description) {
    return com.google.rpc.Status.newBuilder()
        .setCode(code.getNumber())
        .setMessage(description == null ? "" : description);
  }

  private static Any retry(Duration delay) {
    return Any.pack(
        RetryInfo.newBuilder().setRetryDelay(Durations.fromMillis(delay.toMillis())).build());
  }
}
