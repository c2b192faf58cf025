package io.ablserve.server.data;

/** BadNets (Gu et al. 2017): a white square in the bottom-right corner, one pixel in from the edges. */
public final class BadNetsTrigger implements Trigger {
  private final int size;

  public BadNetsTrigger(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("attack.patch_size_px must be >= 1, got " + size);
    }
    this.size = size;
  }

  @Override
  public void apply(byte[] pixels, int offset, ImageSet shape) {
    int h = shape.height();
    int w = shape.width();
    if (size + 1 > h || size + 1 > w) {
      throw new IllegalArgumentException(
          "attack.patch_size_px " + size + " does not fit a " + h + "x" + w + " image");
    }
    for (int c = 0; c < shape.channels(); c++) {
      int plane = offset + c * h * w;
      for (int y = h - 1 - size; y < h - 1; y++) {
        for (int x = w - 1 - size; x < w - 1; x++) {
          pixels[plane + y * w + x] = (byte) 0xff;
        }
      }
    }
  }
}
