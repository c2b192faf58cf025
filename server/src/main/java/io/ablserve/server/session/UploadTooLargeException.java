package io.ablserve.server.session;

/**
 * An upload larger than one of the server's size budgets: its bytes, or what it unpacks or decodes to;
 * RESOURCE_EXHAUSTED to the client.
 */
public final class UploadTooLargeException extends RuntimeException {
  public UploadTooLargeException(long bytes, long limit) {
    super("upload of " + bytes + " bytes exceeds this server's limit of " + limit
        + " bytes (--max-upload-bytes)");
  }

  /** An upload over another budget, which {@code message} names with the value and the limit. */
  public UploadTooLargeException(String message) {
    super(message);
  }
}
