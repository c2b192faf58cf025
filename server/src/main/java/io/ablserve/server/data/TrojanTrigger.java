package io.ablserve.server.data;

/**
 * Trojan (Liu et al. 2018): a fixed watermark stamped in the bottom-right corner, one pixel in from the
 * edges like {@link BadNetsTrigger}. The original reverse-engineers its trigger from the model under attack;
 * without that model a fixed pattern stands in, as BackdoorBench-style reimplementations used with the ABL
 * paper do. The 5x5 glyph is asymmetric and not a solid square: {@code '#'} pixels become 255 and
 * {@code 'o'} pixels 0 in every channel, {@code '.'} pixels are left as they are.
 */
public final class TrojanTrigger implements Trigger {
  /** The watermark, top row first. */
  public static final String[] GLYPH = {
    "##o..",
    "#o#o.",
    "o#o#o",
    ".o#o#",
    "..o##"
  };

  @Override
  public void apply(byte[] pixels, int offset, ImageSet shape) {
    int h = shape.height();
    int w = shape.width();
    int size = GLYPH.length;
    if (size + 1 > h || size + 1 > w) {
      throw new IllegalArgumentException(
          "the " + size + "x" + size + " Trojan watermark does not fit a " + h + "x" + w + " image");
    }
    int top = h - 1 - size;
    int left = w - 1 - size;
    for (int c = 0; c < shape.channels(); c++) {
      int plane = offset + c * h * w;
      for (int gy = 0; gy < size; gy++) {
        String row = GLYPH[gy];
        for (int gx = 0; gx < size; gx++) {
          char cell = row.charAt(gx);
          if (cell != '.') {
            pixels[plane + (top + gy) * w + left + gx] = cell == '#' ? (byte) 0xff : 0;
          }
        }
      }
    }
  }
}
