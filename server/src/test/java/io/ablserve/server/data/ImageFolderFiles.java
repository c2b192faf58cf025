package io.ablserve.server.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** Writes ImageFolder trees of real PNG and JPEG files through ImageIO. */
public final class ImageFolderFiles {
  private ImageFolderFiles() {}

  /** An RGB image from CHW bytes. */
  public static BufferedImage rgb(int height, int width, byte[] chw) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int plane = height * width;
    for (int p = 0; p < plane; p++) {
      int rgb = (chw[p] & 0xff) << 16 | (chw[plane + p] & 0xff) << 8 | (chw[2 * plane + p] & 0xff);
      image.setRGB(p % width, p / width, rgb);
    }
    return image;
  }

  /** An 8-bit grey image whose samples are exactly {@code values}, row by row. */
  public static BufferedImage grey(int height, int width, byte[] values) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    image.getRaster().setDataElements(0, 0, width, height, values);
    return image;
  }

  /** Writes {@code image} as {@code split/className/fileName}, in the format its extension names. */
  public static Path write(Path root, String split, String className, String fileName, BufferedImage image)
      throws IOException {
    Path file = root.resolve(split).resolve(className).resolve(fileName);
    Files.createDirectories(file.getParent());
    String format = fileName.substring(fileName.lastIndexOf('.') + 1);
    if (!ImageIO.write(image, format.equals("jpg") ? "jpeg" : format, file.toFile())) {
      throw new IOException("no ImageIO writer for " + format);
    }
    return file;
  }

  /**
   * A real 1x1 PNG whose header (IHDR, CRC fixed) then claims {@code width} x {@code height}: tiny on disk,
   * it asks a decoder that trusts it for the whole image.
   */
  public static byte[] pngDeclaring(int width, int height) throws IOException {
    byte[] png = encode("png");
    ByteBuffer bytes = ByteBuffer.wrap(png); // 8-byte signature, IHDR length, "IHDR", width, height, ...
    bytes.putInt(16, width).putInt(20, height);
    CRC32 crc = new CRC32();
    crc.update(png, 12, 4 + 13); // the chunk type and its 13 data bytes
    bytes.putInt(12 + 4 + 13, (int) crc.getValue());
    return png;
  }

  /** A real 8x8 JPEG whose frame header (SOF0) then claims {@code width} x {@code height}, at most 65535. */
  public static byte[] jpegDeclaring(int width, int height) throws IOException {
    byte[] jpeg = encode("jpeg");
    for (int i = 2; i + 8 < jpeg.length; i++) {
      if ((jpeg[i] & 0xff) == 0xff && (jpeg[i + 1] & 0xff) == 0xc0) {
        ByteBuffer.wrap(jpeg).putShort(i + 5, (short) height).putShort(i + 7, (short) width);
        return jpeg;
      }
    }
    throw new IOException("ImageIO wrote a JPEG without a baseline frame header");
  }

  private static byte[] encode(String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int side = format.equals("png") ? 1 : 8;
    ImageIO.write(new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB), format, out);
    return out.toByteArray();
  }
}
