package io.ablserve.server.data;

import static java.util.Objects.requireNonNull;

/**
 * BadNets (Gu et al. 2017): a white square in a corner of the image, {@code margin} pixels in from its two
 * edges; by default the bottom-right corner, one pixel in.
 */
public final class BadNetsTrigger implements Trigger {
  private final int size;
  private final PatchCorner corner;
  private final int margin;

  /** The default placement: bottom-right, one pixel in from the edges. */
  public BadNetsTrigger(int size) {
    this(size, PatchCorner.BOTTOM_RIGHT, 1);
  }

  public BadNetsTrigger(int size, PatchCorner corner, int margin) {
    if (size < 1) {
      throw new IllegalArgumentException("attack.patch_size_px must be >= 1, got " + size);
    }
    if (margin < 0) {
      throw new IllegalArgumentException("attack.patch_margin_px must be >= 0, got " + margin);
    }
    this.size = size;
    this.corner = requireNonNull(corner, "corner");
    this.margin = margin;
  }

  /**
   * Checks that a patch of side {@code size}, {@code margin} pixels in from the edges, fits images of
   * {@code height} x {@code width}; IllegalArgumentException names the field and its range for them.
   */
  static void checkFits(int size, int margin, int height, int width) {
    int side = Math.min(height, width);
    String images = " for " + height + "x" + width + " images";
    if (margin > side - 1) {
      throw new IllegalArgumentException(
          "attack.patch_margin_px must be in [0, " + (side - 1) + "]" + images + ", got " + margin);
    }
    if (size > side - margin) {
      throw new IllegalArgumentException(
          "attack.patch_size_px must be in [1, " + (side - margin) + "]" + images
              + " (the patch sits attack.patch_margin_px = " + margin + " in from the edges), got " + size);
    }
  }

  @Override
  public void apply(byte[] pixels, int offset, ImageSet shape) {
    int h = shape.height();
    int w = shape.width();
    if (size + margin > h || size + margin > w) {
      throw new IllegalArgumentException(
          "attack.patch_size_px " + size + " at attack.patch_margin_px " + margin + " does not fit a " + h
              + "x" + w + " image");
    }
    int top = corner.top(h, size, margin);
    int left = corner.left(w, size, margin);
    for (int c = 0; c < shape.channels(); c++) {
      int plane = offset + c * h * w;
      for (int y = top; y < top + size; y++) {
        for (int x = left; x < left + size; x++) {
          pixels[plane + y * w + x] = (byte) 0xff;
        }
      }
    }
  }
}
