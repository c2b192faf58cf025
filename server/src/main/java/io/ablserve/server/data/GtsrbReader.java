package io.ablserve.server.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the German Traffic Sign Recognition Benchmark as published: training images in
 * {@code GTSRB/Final_Training/Images/000NN/} with the annotations {@code GT-000NN.csv} beside them, test
 * images in {@code GTSRB/Final_Test/Images/} with the ground truth {@code GT-final_test.csv} (from
 * {@code GTSRB_Final_Test_GT.zip}, looked for in that folder, in {@code GTSRB/Final_Test/}, {@code GTSRB/}
 * or the dataset folder). The given folder may also be {@code GTSRB/} itself. The CSVs are semicolon
 * separated with the header {@code Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId}; images are
 * binary PPM. Each image is cropped to its region of interest, whose corners are both inclusive (a corner
 * past the image edge is clamped to it), and resized bilinearly to 32x32 RGB. There are 43 classes.
 *
 * <p>Without {@code Final_Test/Images/}, the training images are split deterministically: GTSRB names
 * them {@code TTTTT_IIIII.ppm}, 30 images of one physical sign per track {@code T}, so every track whose
 * number is 4 modulo 5 goes to the test set. Splitting by track, not by image, keeps near-duplicate frames
 * of one sign out of both sides. A file not named that way is placed by its row in the class's CSV instead.
 */
public final class GtsrbReader {
  public static final int CLASSES = 43;
  public static final int SIDE = 32;

  static final String TEST_CSV = "GT-final_test.csv";
  private static final List<String> COLUMNS =
      List.of("Filename", "Width", "Height", "Roi.X1", "Roi.Y1", "Roi.X2", "Roi.Y2", "ClassId");
  private static final Pattern CLASS_FOLDER = Pattern.compile("\\d{5}");
  private static final Pattern TRACK_FILE = Pattern.compile("(\\d+)_\\d+\\.ppm", Pattern.CASE_INSENSITIVE);

  private GtsrbReader() {}

  /** One annotated image: where it is, its declared size, its inclusive ROI corners and its class. */
  record Annotation(Path image, int width, int height, int x1, int y1, int x2, int y2, int classId, int row) {}

  /** {@code GTSRB/} inside {@code folder} if present, else {@code folder}. */
  static Path base(Path folder) {
    Path nested = folder.resolve("GTSRB");
    return Files.isDirectory(nested) ? nested : folder;
  }

  static boolean looksLike(Path folder) {
    return Files.isDirectory(base(folder).resolve("Final_Training").resolve("Images"));
  }

  /**
   * Reads the training set and the published test set, or splits the training set by track (see above),
   * under {@code limits}: the set's size is claimed before its pixels are allocated, each PPM's side is
   * checked from its header.
   */
  public static DatasetSplit readSplit(Path folder, DatasetLimits limits) throws IOException {
    Path base = base(folder);
    List<Annotation> training = readTrainingAnnotations(base.resolve("Final_Training").resolve("Images"));
    Path testImages = base.resolve("Final_Test").resolve("Images");
    if (Files.isDirectory(testImages)) {
      List<Annotation> test = readCsv(findTestCsv(folder, base, testImages), testImages);
      DecodeBudget budget = limits.decodeBudget();
      return new DatasetSplit(load(training, limits, budget), load(test, limits, budget));
    }
    List<Annotation> train = new ArrayList<>();
    List<Annotation> test = new ArrayList<>();
    for (Annotation a : training) {
      (heldOut(a) ? test : train).add(a);
    }
    DecodeBudget budget = limits.decodeBudget();
    return new DatasetSplit(load(train, limits, budget), load(test, limits, budget));
  }

  private static boolean heldOut(Annotation a) {
    Matcher m = TRACK_FILE.matcher(a.image().getFileName().toString());
    long key = m.matches() ? Long.parseLong(m.group(1)) : a.row();
    return key % 5 == 4;
  }

  private static List<Annotation> readTrainingAnnotations(Path images) throws IOException {
    if (!Files.isDirectory(images)) {
      throw new DatasetFormatException("no GTSRB training folder " + images);
    }
    List<Path> classFolders;
    try (Stream<Path> entries = Files.list(images)) {
      classFolders = entries
          .filter(p -> Files.isDirectory(p) && CLASS_FOLDER.matcher(p.getFileName().toString()).matches())
          .sorted()
          .toList();
    }
    if (classFolders.isEmpty()) {
      throw new DatasetFormatException(images + " holds no class folders 00000 to 00042");
    }
    List<Annotation> all = new ArrayList<>();
    for (Path classFolder : classFolders) {
      String name = classFolder.getFileName().toString();
      Path csv = classFolder.resolve("GT-" + name + ".csv");
      if (!Files.isRegularFile(csv)) {
        throw new DatasetFormatException("no annotation file " + csv);
      }
      all.addAll(readCsv(csv, classFolder));
    }
    return all;
  }

  private static Path findTestCsv(Path folder, Path base, Path testImages) throws DatasetFormatException {
    List<Path> candidates = Stream.of(testImages, base.resolve("Final_Test"), base, folder)
        .distinct()
        .map(p -> p.resolve(TEST_CSV))
        .toList();
    for (Path candidate : candidates) {
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new DatasetFormatException(
        testImages + " exists but its ground truth " + TEST_CSV + " (from GTSRB_Final_Test_GT.zip, with the"
            + " ClassId column) is in none of " + candidates);
  }

  /** Parses one annotation CSV; image file names are relative to {@code imageFolder}. */
  static List<Annotation> readCsv(Path csv, Path imageFolder) throws IOException {
    List<String> lines = Files.readAllLines(csv, StandardCharsets.ISO_8859_1);
    if (lines.isEmpty() || lines.get(0).isBlank()) {
      throw new DatasetFormatException(csv + " is empty; expected the header " + String.join(";", COLUMNS));
    }
    List<String> header = Arrays.asList(stripBom(lines.get(0)).trim().split(";"));
    int[] column = new int[COLUMNS.size()];
    for (int i = 0; i < column.length; i++) {
      column[i] = header.indexOf(COLUMNS.get(i));
      if (column[i] < 0) {
        throw new DatasetFormatException(
            csv + " has no column " + COLUMNS.get(i) + "; its header is '" + lines.get(0).trim()
                + "', expected " + String.join(";", COLUMNS));
      }
    }
    List<Annotation> annotations = new ArrayList<>();
    for (int line = 1; line < lines.size(); line++) {
      if (lines.get(line).isBlank()) {
        continue;
      }
      String[] fields = lines.get(line).trim().split(";", -1);
      if (fields.length < header.size()) {
        throw new DatasetFormatException(
            csv + " line " + (line + 1) + " has " + fields.length + " fields, its header " + header.size());
      }
      int[] v = new int[COLUMNS.size()];
      for (int i = 1; i < v.length; i++) {
        v[i] = integer(fields[column[i]], csv, line + 1, COLUMNS.get(i));
      }
      if (v[7] < 0 || v[7] >= CLASSES) {
        throw new DatasetFormatException(
            csv + " line " + (line + 1) + " has ClassId " + v[7] + "; GTSRB classes are 0 to " + (CLASSES - 1));
      }
      annotations.add(new Annotation(
          imageFolder.resolve(fields[column[0]]), v[1], v[2], v[3], v[4], v[5], v[6], v[7], annotations.size()));
    }
    return annotations;
  }

  private static ImageSet load(List<Annotation> annotations, DatasetLimits limits, DecodeBudget budget)
      throws IOException {
    int imageBytes = 3 * SIDE * SIDE;
    budget.claim((long) annotations.size() * imageBytes,
        "the GTSRB annotations (" + annotations.size() + " images of " + SIDE + "x" + SIDE + " RGB)");
    byte[] pixels = new byte[annotations.size() * imageBytes];
    int[] labels = new int[annotations.size()];
    for (int i = 0; i < labels.length; i++) {
      Annotation a = annotations.get(i);
      ChwImage sign = crop(PpmReader.read(a.image(), limits), a).resize(SIDE, SIDE);
      System.arraycopy(sign.pixels(), 0, pixels, i * imageBytes, imageBytes);
      labels[i] = a.classId();
    }
    return new ImageSet(pixels, labels, 3, SIDE, SIDE, CLASSES);
  }

  private static ChwImage crop(ChwImage image, Annotation a) throws DatasetFormatException {
    if (image.width() != a.width() || image.height() != a.height()) {
      throw new DatasetFormatException(
          String.format("%s is %dx%d but its annotation says %dx%d",
              a.image(), image.width(), image.height(), a.width(), a.height()));
    }
    if (a.x1() < 0 || a.y1() < 0 || a.x1() > a.x2() || a.y1() > a.y2()
        || a.x1() >= image.width() || a.y1() >= image.height()) {
      throw new DatasetFormatException(
          String.format("%s has the region of interest (%d,%d)-(%d,%d), which is not inside its %dx%d pixels",
              a.image(), a.x1(), a.y1(), a.x2(), a.y2(), image.width(), image.height()));
    }
    int x2 = Math.min(a.x2(), image.width() - 1);
    int y2 = Math.min(a.y2(), image.height() - 1);
    return image.crop(a.x1(), a.y1(), x2 - a.x1() + 1, y2 - a.y1() + 1);
  }

  private static int integer(String field, Path csv, int line, String column) throws DatasetFormatException {
    try {
      return Integer.parseInt(field.trim());
    } catch (NumberFormatException e) {
      throw new DatasetFormatException(
          csv + " line " + line + " has " + column + " '" + field + "', not an integer");
    }
  }

  /** Drops a UTF-8 byte order mark, which reads as three Latin-1 characters. */
  private static String stripBom(String line) {
    return line.startsWith("\u00EF\u00BB\u00BF") ? line.substring(3) : line;
  }
}
