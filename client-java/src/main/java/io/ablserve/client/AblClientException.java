package io.ablserve.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The one exception {@link AblClient} throws for a failed call: the gRPC status code and the server's
 * description (which names the bad field and its allowed range for {@code INVALID_ARGUMENT}).
 */
public final class AblClientException extends RuntimeException {
  private final Status.Code code;
  private final String description;

  public AblClientException(Status.Code code, String description, Throwable cause) {
    super(code + ": " + (description == null ? "" : description), cause);
    this.code = code;
    this.description = description == null ? "" : description;
  }

  /** Wraps a gRPC failure, keeping it as the cause. */
  public static AblClientException from(StatusRuntimeException e) {
    Status status = e.getStatus();
    String description = status.getDescription();
    // A client-side failure (connection refused, unknown host) hides its reason in the cause.
    Throwable cause = status.getCause();
    if (cause != null && cause.getMessage() != null) {
      description = description == null
          ? cause.getMessage() : description + " (" + cause.getMessage() + ")";
    }
    return new AblClientException(status.getCode(), description, e);
  }

  /**
   * This failure, or when it is a connection that could not be made (nothing listening, an unknown host)
   * one whose description says that no server answered at {@code target} and how to start one, the
   * transport's own wording kept in parentheses.
   */
  public AblClientException explainedFor(String target) {
    if (code != Status.Code.UNAVAILABLE || !isConnectionFailure(getCause())) {
      return this;
    }
    return new AblClientException(code,
        "no ablserve server at " + target + ": is it running? Start one with bin/ablserve-server (it"
            + " listens on port 50051 unless --port says otherwise), or pass the address of a running"
            + " one (" + description + ")",
        getCause());
  }

  private static boolean isConnectionFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof java.net.ConnectException || c instanceof java.net.UnknownHostException
          || c instanceof java.net.NoRouteToHostException
          || c instanceof java.nio.channels.UnresolvedAddressException) {
        return true;
      }
    }
    return false;
  }

  public Status.Code code() {
    return code;
  }

  /** The server's description of the failure; empty when it sent none. */
  public String description() {
    return description;
  }
}
