package io.ablserve.client.cli;

import io.ablserve.v1.SampleImage;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The server's sample thumbnails laid out in a grid, row by row in the server's order, each scaled up
 * without smoothing and framed: red for a poisoned sample, grey otherwise. Text is left to the table the
 * command prints, since a headless JRE may have no fonts.
 */
final class SampleGrid {
  static final int BORDER_PX = 2;
  private static final Color POISONED = new Color(0xd6, 0x27, 0x28);
  private static final Color CLEAN = new Color(0x90, 0x90, 0x90);

  private SampleGrid() {}

  /** The grid of {@code samples}, {@code columns} wide, each image {@code scale} times its size. */
  static BufferedImage draw(List<SampleImage> samples, int columns, int scale) throws IOException {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("no samples to draw");
    }
    BufferedImage[] images = new BufferedImage[samples.size()];
    int cellWidth = 0;
    int cellHeight = 0;
    for (int i = 0; i < images.length; i++) {
      images[i] = ImageIO.read(new ByteArrayInputStream(samples.get(i).getPng().toByteArray()));
      if (images[i] == null) {
        throw new IOException("sample " + samples.get(i).getIndex() + " is not a readable PNG");
      }
      cellWidth = Math.max(cellWidth, images[i].getWidth() * scale + 2 * BORDER_PX);
      cellHeight = Math.max(cellHeight, images[i].getHeight() * scale + 2 * BORDER_PX);
    }
    int cols = Math.min(columns, images.length);
    int rows = (images.length + cols - 1) / cols;
    BufferedImage grid =
        new BufferedImage(cols * cellWidth, rows * cellHeight, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = grid.createGraphics();
    try {
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
      for (int i = 0; i < images.length; i++) {
        int x = (i % cols) * cellWidth;
        int y = (i / cols) * cellHeight;
        g.setColor(samples.get(i).getPoisoned() ? POISONED : CLEAN);
        g.fillRect(x, y, cellWidth, cellHeight);
        g.drawImage(
            images[i], x + BORDER_PX, y + BORDER_PX, images[i].getWidth() * scale,
            images[i].getHeight() * scale, null);
      }
    } finally {
      g.dispose();
    }
    return grid;
  }
}
