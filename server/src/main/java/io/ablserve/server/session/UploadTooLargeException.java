package io.ablserve.server.session;

/** An upload larger than the server's limit; RESOURCE_EXHAUSTED to the client. */
public final class UploadTooLargeException extends RuntimeException {
  public UploadTooLargeException(long bytes, long limit) {
    super("upload of " + bytes + " bytes exceeds this server's limit of " + limit
        + " bytes (--max-upload-bytes)");
  }
}
