package io.ablserve.server.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
