package io.ablserve.server.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/** Writes small GTSRB trees in the published layout: binary PPM images and semicolon-separated CSVs. */
public final class GtsrbFiles {
  public static final String HEADER = "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId";

  private GtsrbFiles() {}

  /** One image and its annotation; {@code rgb} is interleaved R, G, B rows top to bottom, as PPM stores it. */
  public record Sign(String filename, int classId, int width, int height, int x1, int y1, int x2, int y2,
      byte[] rgb) {
    String csvLine() {
      return String.join(";", filename, "" + width, "" + height, "" + x1, "" + y1, "" + x2, "" + y2, "" + classId);
    }
  }

  /** A random {@code width}x{@code height} sign whose inclusive ROI leaves a {@code border} on every side. */
  public static Sign randomSign(String filename, int classId, int width, int height, int border, long seed) {
    byte[] rgb = new byte[3 * width * height];
    new Random(seed).nextBytes(rgb);
    return new Sign(filename, classId, width, height, border, border, width - 1 - border, height - 1 - border, rgb);
  }

  /** A sign of one colour throughout. */
  public static Sign uniformSign(String filename, int classId, int width, int height, int r, int g, int b) {
    byte[] rgb = new byte[3 * width * height];
    for (int p = 0; p < width * height; p++) {
      rgb[3 * p] = (byte) r;
      rgb[3 * p + 1] = (byte) g;
      rgb[3 * p + 2] = (byte) b;
    }
    return new Sign(filename, classId, width, height, 5, 5, width - 6, height - 6, rgb);
  }

  public static byte[] ppm(int width, int height, byte[] rgb) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(("P6\n" + width + " " + height + "\n255\n").getBytes(StandardCharsets.US_ASCII));
    out.write(rgb);
    return out.toByteArray();
  }

  /** {@code GTSRB/Final_Training/Images/000NN/} with {@code GT-000NN.csv} per class of the given signs. */
  public static void writeTraining(Path root, List<Sign> signs) throws IOException {
    Map<Integer, List<Sign>> byClass = new TreeMap<>();
    for (Sign sign : signs) {
      byClass.computeIfAbsent(sign.classId(), k -> new ArrayList<>()).add(sign);
    }
    for (Map.Entry<Integer, List<Sign>> entry : byClass.entrySet()) {
      String name = String.format("%05d", entry.getKey());
      Path folder = root.resolve("GTSRB/Final_Training/Images").resolve(name);
      writeFolder(folder, folder.resolve("GT-" + name + ".csv"), entry.getValue());
    }
  }

  /** {@code GTSRB/Final_Test/Images/*.ppm} with the ground truth {@code GT-final_test.csv} beside them. */
  public static void writeTest(Path root, List<Sign> signs) throws IOException {
    Path folder = root.resolve("GTSRB/Final_Test/Images");
    writeFolder(folder, folder.resolve("GT-final_test.csv"), signs);
  }

  private static void writeFolder(Path folder, Path csv, List<Sign> signs) throws IOException {
    Files.createDirectories(folder);
    StringBuilder lines = new StringBuilder(HEADER).append("\r\n");
    for (Sign sign : signs) {
      Files.write(folder.resolve(sign.filename()), ppm(sign.width(), sign.height(), sign.rgb()));
      lines.append(sign.csvLine()).append("\r\n");
    }
    Files.writeString(csv, lines, StandardCharsets.US_ASCII);
  }
}
