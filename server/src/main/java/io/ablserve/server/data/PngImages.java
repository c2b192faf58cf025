package io.ablserve.server.data;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * Images of an {@link ImageSet} as PNG files: 8-bit grey for one channel, 8-bit RGB for three. Uses {@code
 * javax.imageio} on {@link BufferedImage}s, which needs no display.
 */
public final class PngImages {
  private PngImages() {}

  /** Sample {@code index} of {@code set} as a PNG file. */
  public static byte[] encode(ImageSet set, int index) {
    return encode(set.pixels(), index * set.imageBytes(), set.channels(), set.height(), set.width());
  }

  /**
   * The {@code channels} x {@code height} x {@code width} image stored NCHW at {@code offset} of {@code
   * pixels} as a PNG file. IllegalArgumentException for channel counts other than 1 and 3.
   */
  public static byte[] encode(byte[] pixels, int offset, int channels, int height, int width) {
    int plane = height * width;
    BufferedImage image;
    if (channels == 1) {
      image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
      WritableRaster raster = image.getRaster();
      int[] row = new int[width];
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          row[x] = pixels[offset + y * width + x] & 0xff;
        }
        raster.setPixels(0, y, width, 1, row);
      }
    } else if (channels == 3) {
      image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
      for (int p = 0; p < plane; p++) {
        int r = pixels[offset + p] & 0xff;
        int g = pixels[offset + plane + p] & 0xff;
        int b = pixels[offset + 2 * plane + p] & 0xff;
        image.setRGB(p % width, p / width, (r << 16) | (g << 8) | b);
      }
    } else {
      throw new IllegalArgumentException("PNG images need 1 or 3 channels, got " + channels);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(plane * channels / 2 + 128);
    try {
      if (!ImageIO.write(image, "png", out)) {
        throw new IllegalStateException("this JVM has no PNG writer");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("PNG encoding to memory failed", e);
    }
    return out.toByteArray();
  }
}
