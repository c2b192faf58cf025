package io.ablserve.server.data;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reads torchvision's {@code ImageFolder} layout: {@code train/<class>/*.png|jpg|jpeg} and
 * {@code test/<class>/*}. Class indices are the training class folder names sorted by code point, as
 * torchvision sorts them; a test class folder must also exist under {@code train/} (it may omit classes).
 * Files are read in name order; other extensions are skipped, an image that does not decode is an error.
 *
 * <p>Images have 1 channel when every image of both splits is single-channel grey, else 3 (R, G, B; grey
 * images are repeated into all three, alpha is dropped). Every image is resized bilinearly to the size of
 * the first training image (first class, first file), so both splits share one shape.
 */
public final class ImageFolderReader {
  private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg");

  private ImageFolderReader() {}

  static boolean looksLike(Path folder) {
    return Files.isDirectory(folder.resolve("train")) && Files.isDirectory(folder.resolve("test"));
  }

  /**
   * Reads both splits under {@code limits}: every file is listed and the whole set's size (as RGB at the
   * first image's size) claimed from the decode budget before any image is decoded, and each image's side
   * is read from its header before it is decoded.
   */
  public static DatasetSplit readSplit(Path folder, DatasetLimits limits) throws IOException {
    Path trainFolder = folder.resolve("train");
    List<String> classes = classNames(trainFolder);
    if (classes.size() < 2) {
      throw new DatasetFormatException(
          trainFolder + " holds " + classes.size() + " class folders " + classes + "; at least 2 are needed");
    }
    List<LabelledFile> trainFiles = list(trainFolder, classes, true);
    List<LabelledFile> testFiles = list(folder.resolve("test"), classes, false);
    int height;
    int width;
    try (ImageDecoder first = ImageDecoder.open(trainFiles.get(0).file(), limits)) {
      height = first.height();
      width = first.width();
    }
    long images = trainFiles.size() + testFiles.size();
    limits.decodeBudget().claim(images * 3 * height * width,
        folder + " (" + images + " images, as RGB at the first image's " + width + "x" + height + ")");
    Labelled train = decode(trainFiles, height, width, limits);
    Labelled test = decode(testFiles, height, width, limits);
    boolean allGrey = Stream.concat(train.images.stream(), test.images.stream()).allMatch(i -> i.channels() == 1);
    int channels = allGrey ? 1 : 3;
    return new DatasetSplit(
        train.pack(channels, height, width, classes.size()),
        test.pack(channels, height, width, classes.size()));
  }

  private static List<String> classNames(Path split) throws IOException {
    if (!Files.isDirectory(split)) {
      throw new DatasetFormatException("no folder " + split);
    }
    try (Stream<Path> entries = Files.list(split)) {
      return entries.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private record LabelledFile(Path file, int label) {}

  private static List<LabelledFile> list(Path split, List<String> classes, boolean everyClassNeeded)
      throws IOException {
    List<LabelledFile> out = new ArrayList<>();
    for (String name : classNames(split)) {
      int label = classes.indexOf(name);
      if (label < 0) {
        throw new DatasetFormatException(
            split.resolve(name) + " is a class that train/ does not have; train/ has " + classes);
      }
      List<Path> files;
      try (Stream<Path> entries = Files.list(split.resolve(name))) {
        files = entries.filter(p -> Files.isRegularFile(p) && isImageName(p)).sorted().toList();
      }
      if (files.isEmpty() && everyClassNeeded) {
        throw new DatasetFormatException(split.resolve(name) + " holds no .png, .jpg or .jpeg files");
      }
      for (Path file : files) {
        out.add(new LabelledFile(file, label));
      }
    }
    if (out.isEmpty()) {
      throw new DatasetFormatException(split + " holds no .png, .jpg or .jpeg images in class folders");
    }
    return out;
  }

  /** Decodes each file and resizes it to the set's size at once, so only one full-size image is held. */
  private static Labelled decode(List<LabelledFile> files, int height, int width, DatasetLimits limits)
      throws IOException {
    Labelled out = new Labelled();
    for (LabelledFile f : files) {
      out.images.add(decode(f.file(), limits).resize(height, width));
      out.labels.add(f.label());
    }
    return out;
  }

  private static boolean isImageName(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return EXTENSIONS.stream().anyMatch(name::endsWith);
  }

  /** One image file as 1 channel if it is grey, else 3; the values are the file's own samples. */
  static ChwImage decode(Path file, DatasetLimits limits) throws IOException {
    BufferedImage image;
    try (ImageDecoder decoder = ImageDecoder.open(file, limits)) {
      image = decoder.read();
    }
    int w = image.getWidth();
    int h = image.getHeight();
    ColorModel model = image.getColorModel();
    if (model.getNumColorComponents() == 1 && !(model instanceof IndexColorModel)) {
      // getRGB would pass grey through a linear-to-sRGB conversion and change the values, so read samples.
      Raster raster = image.getRaster();
      int max = (1 << model.getComponentSize(0)) - 1;
      byte[] grey = new byte[h * w];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int sample = raster.getSample(x, y, 0);
          grey[y * w + x] = (byte) (max == 255 ? sample : (sample * 255 + max / 2) / max);
        }
      }
      return new ChwImage(1, h, w, grey);
    }
    int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
    int plane = h * w;
    byte[] rgb = new byte[3 * plane];
    for (int p = 0; p < plane; p++) {
      rgb[p] = (byte) (argb[p] >> 16);
      rgb[plane + p] = (byte) (argb[p] >> 8);
      rgb[2 * plane + p] = (byte) argb[p];
    }
    return new ChwImage(3, h, w, rgb);
  }

  private static final class Labelled {
    final List<ChwImage> images = new ArrayList<>();
    final List<Integer> labels = new ArrayList<>();

    ImageSet pack(int channels, int height, int width, int numClasses) {
      int imageBytes = channels * height * width;
      byte[] pixels = new byte[Math.multiplyExact(images.size(), imageBytes)];
      int[] y = new int[images.size()];
      for (int i = 0; i < y.length; i++) {
        ChwImage image = images.get(i).resize(height, width).withChannels(channels);
        System.arraycopy(image.pixels(), 0, pixels, i * imageBytes, imageBytes);
        y[i] = labels.get(i);
        images.set(i, null); // let the decoded copy go as the packed one fills
      }
      return new ImageSet(pixels, y, channels, height, width, numClasses);
    }
  }
}
