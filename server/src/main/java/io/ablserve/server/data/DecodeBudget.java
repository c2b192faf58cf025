package io.ablserve.server.data;

/**
 * The running total of bytes one dataset's arrays decode to, against {@link DatasetLimits#maxDecodedBytes}.
 * Readers claim a size as soon as a header declares it, before they allocate it, so a small file that
 * declares a huge shape is refused without the allocation.
 */
final class DecodeBudget {
  private final long limit;
  private long claimed;

  DecodeBudget(long limit) {
    this.limit = limit;
  }

  /** Adds {@code bytes}, which {@code what} declares; refuses once the total would pass the limit. */
  void claim(long bytes, String what) throws DatasetTooLargeException {
    if (bytes > limit - claimed) {
      throw new DatasetTooLargeException(
          what + " declares " + bytes + " bytes" + (claimed > 0 ? " after " + claimed + " declared before it" : "")
              + "; a dataset may decode to at most " + limit + " bytes (" + DatasetLimits.DECODED_FLAG + ")");
    }
    claimed += bytes;
  }
}
