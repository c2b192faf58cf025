package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class AugmentationPolicyTest {

  static ImageSet shape(int channels, int size) {
    return TestImages.constant(1, channels, size, size, 10, 0);
  }

  @Test
  void greyDigits_getTheCropOnly() {
    assertThat(AugmentationPolicy.forDataset("fashion-mnist", shape(1, 28)).transforms())
        .containsExactly(new RandomCrop(1, 28, 28, 4));
    assertThat(AugmentationPolicy.forDataset("anything-grey", shape(1, 28)).transforms())
        .containsExactly(new RandomCrop(1, 28, 28, 4));
  }

  @Test
  void cifar_getsCropFlipAndCutout8() {
    assertThat(AugmentationPolicy.forDataset("cifar10", shape(3, 32)).transforms())
        .containsExactly(new RandomCrop(3, 32, 32, 4), new HorizontalFlip(3, 32, 32), new Cutout(3, 32, 32, 8));
  }

  @Test
  void trafficSigns_areNotFlipped() {
    assertThat(AugmentationPolicy.forDataset("GTSRB", shape(3, 32)).transforms())
        .containsExactly(new RandomCrop(3, 32, 32, 4), new Cutout(3, 32, 32, 8));
  }

  @Test
  void apply_runsTheTransformsInOrder_reproduciblyWithASeed() {
    AugmentationPolicy policy = AugmentationPolicy.forDataset("cifar10", shape(3, 32));
    ImageSet images = TestImages.random(2, 3, 32, 32, 10, 1);
    byte[] a = images.pixels().clone();
    byte[] b = images.pixels().clone();
    Random rngA = new Random(5);
    Random rngB = new Random(5);
    policy.apply(a, 3 * 32 * 32, rngA);
    policy.apply(b, 3 * 32 * 32, rngB);

    assertThat(a).isEqualTo(b);
    assertThat(java.util.Arrays.copyOf(a, 3 * 32 * 32))
        .isEqualTo(java.util.Arrays.copyOf(images.pixels(), 3 * 32 * 32));
    assertThat(AugmentationPolicy.NONE.transforms()).isEmpty();
  }
}
