package io.ablserve.server.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * One PNG or JPEG file opened through ImageIO's {@link ImageReader}: its width and height come from the
 * header (PNG's IHDR, JPEG's SOF) and are checked against the image side limit before a pixel is decoded,
 * so a small file that declares a huge image is refused without allocating it.
 */
final class ImageDecoder implements AutoCloseable {
  private final Path file;
  private final ImageInputStream in;
  private final ImageReader reader;
  private final int width;
  private final int height;

  private ImageDecoder(Path file, ImageInputStream in, ImageReader reader, int width, int height) {
    this.file = file;
    this.in = in;
    this.reader = reader;
    this.width = width;
    this.height = height;
  }

  /** Opens {@code file} and reads its header; DatasetFormatException if no decoder reads it or it is too large. */
  static ImageDecoder open(Path file, DatasetLimits limits) throws IOException {
    ImageInputStream in;
    try {
      in = ImageIO.createImageInputStream(file.toFile());
    } catch (IOException | RuntimeException e) {
      throw unreadable(file, e);
    }
    if (in == null) {
      throw new DatasetFormatException(file + " is not a readable image: it cannot be opened");
    }
    ImageReader reader = null;
    try {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new DatasetFormatException(file + " is not a readable PNG or JPEG image: no decoder accepts it");
      }
      reader = readers.next();
      reader.setInput(in, true, true);
      int width;
      int height;
      try {
        width = reader.getWidth(0);
        height = reader.getHeight(0);
      } catch (IOException | RuntimeException e) {
        throw unreadable(file, e);
      }
      limits.checkImageSide(file.toString(), width, height);
      return new ImageDecoder(file, in, reader, width, height);
    } catch (IOException | RuntimeException e) {
      if (reader != null) {
        reader.dispose();
      }
      in.close();
      throw e;
    }
  }

  int width() {
    return width;
  }

  int height() {
    return height;
  }

  /** Decodes the image, whose size {@link #open} has already checked. */
  BufferedImage read() throws DatasetFormatException {
    try {
      return reader.read(0);
    } catch (IOException | RuntimeException e) {
      throw unreadable(file, e);
    }
  }

  @Override
  public void close() throws IOException {
    reader.dispose();
    in.close();
  }

  private static DatasetFormatException unreadable(Path file, Exception e) {
    return new DatasetFormatException(file + " is not a readable image: " + e.getMessage());
  }
}
