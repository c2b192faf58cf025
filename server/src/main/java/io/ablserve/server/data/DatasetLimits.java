package io.ablserve.server.data;

/**
 * The budgets a dataset is read under, checked against what its files declare (npy shapes, IDX headers,
 * image headers, zip entries) before anything that size is allocated or written. The server's flags set
 * them; {@link #DEFAULTS} is where their defaults live.
 *
 * @param maxDecodedBytes bytes the arrays of one dataset may decode to, both splits together (pixels and
 *     labels as read, ImageFolder images counted as RGB at the first image's size); more is refused with
 *     {@link DatasetTooLargeException}. Loading needs up to about twice this in heap. Default 2 GiB.
 * @param maxImageSidePx widest or tallest image file accepted (PNG, JPEG, PPM), read from its header before
 *     it is decoded; a larger one is a {@link DatasetFormatException}. Default 4096.
 * @param maxZipEntries entries (files and folders) an uploaded zip may hold. Default 100,000: MNIST or
 *     Fashion-MNIST as an ImageFolder holds about 70,000, GTSRB about 52,000.
 * @param maxUnpackedBytes bytes an uploaded zip may unpack to, counted as it inflates. Default 4 GiB.
 */
public record DatasetLimits(long maxDecodedBytes, int maxImageSidePx, int maxZipEntries, long maxUnpackedBytes) {
  public static final String DECODED_FLAG = "--max-decoded-bytes";
  public static final String IMAGE_SIDE_FLAG = "--max-image-side-px";
  public static final String ZIP_ENTRIES_FLAG = "--max-zip-entries";
  public static final String UNPACKED_FLAG = "--max-unpacked-bytes";

  public static final DatasetLimits DEFAULTS = new DatasetLimits(2L << 30, 4096, 100_000, 4L << 30);

  public DatasetLimits {
    if (maxDecodedBytes < 1) {
      throw new IllegalArgumentException("max decoded bytes must be >= 1, got " + maxDecodedBytes);
    }
    if (maxImageSidePx < 1) {
      throw new IllegalArgumentException("max image side must be >= 1 pixel, got " + maxImageSidePx);
    }
    if (maxZipEntries < 1) {
      throw new IllegalArgumentException("max zip entries must be >= 1, got " + maxZipEntries);
    }
    if (maxUnpackedBytes < 1) {
      throw new IllegalArgumentException("max unpacked bytes must be >= 1, got " + maxUnpackedBytes);
    }
  }

  /** A fresh running total of decoded bytes for reading one dataset. */
  DecodeBudget decodeBudget() {
    return new DecodeBudget(maxDecodedBytes);
  }

  /**
   * Checks an image's declared size against {@link #maxImageSidePx} before it is decoded; {@code source}
   * names it in the error.
   */
  void checkImageSide(String source, long width, long height) throws DatasetFormatException {
    if (width > maxImageSidePx || height > maxImageSidePx) {
      throw new DatasetFormatException(
          source + " is " + width + "x" + height + " pixels; images may be at most " + maxImageSidePx
              + " pixels on a side (" + IMAGE_SIDE_FLAG + ")");
    }
  }
}
