package io.ablserve.server.data;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The augmentations applied, in order, to each training image of one dataset: the three the ABL paper uses
 * for defences (after NAD): random crop with padding 4, horizontal flip and cutout, minus those that would
 * change what an image means.
 */
public record AugmentationPolicy(List<Augmentation> transforms) {
  /** Zero padding of the random crop, in pixels, as in the paper. */
  public static final int CROP_PADDING = 4;

  /** No augmentation. */
  public static final AugmentationPolicy NONE = new AugmentationPolicy(List.of());

  /** Dataset name parts that mark images whose mirror image is not of the same class (signs, digits). */
  private static final List<String> NO_FLIP_NAMES = List.of("gtsrb", "sign", "mnist", "digit", "svhn");

  public AugmentationPolicy {
    transforms = List.copyOf(requireNonNull(transforms, "transforms"));
  }

  /**
   * The policy for a dataset. Grey images (MNIST, Fashion-MNIST) get the crop only: small centred
   * glyphs, where cutout can erase the whole stroke that tells classes apart. Colour images get crop, flip and
   * cutout ({@code size = round(min(height, width) / 4)}, 8 for 32x32, as NAD), except that datasets whose
   * name marks them as signs or digits (GTSRB, SVHN, MNIST variants) are not flipped, since a mirrored
   * sign or digit reads differently.
   */
  public static AugmentationPolicy forDataset(String name, ImageSet shape) {
    requireNonNull(name, "name");
    int c = shape.channels();
    int h = shape.height();
    int w = shape.width();
    List<Augmentation> transforms = new ArrayList<>();
    transforms.add(new RandomCrop(c, h, w, CROP_PADDING));
    if (c == 1) {
      return new AugmentationPolicy(transforms);
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (NO_FLIP_NAMES.stream().noneMatch(lower::contains)) {
      transforms.add(new HorizontalFlip(c, h, w));
    }
    transforms.add(new Cutout(c, h, w, Math.max(1, Math.round(Math.min(h, w) / 4f))));
    return new AugmentationPolicy(transforms);
  }

  /** Applies every transform in order to the image starting at {@code offset}, in place. */
  public void apply(byte[] pixels, int offset, Random rng) {
    for (int i = 0; i < transforms.size(); i++) {
      transforms.get(i).apply(pixels, offset, rng);
    }
  }
}
