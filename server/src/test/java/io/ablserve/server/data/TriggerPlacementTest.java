package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Where the BadNets patch lands (corner, margin) and which image Blend blends in (noise by seed, checkerboard). */
class TriggerPlacementTest {
  private static final ImageSet BLACK = TestImages.constant(1, 1, 8, 8, 10, 0);

  @Test
  void badNets_landsInTheAskedCornerAtTheAskedMargin() {
    assertThat(whitePixels(new BadNetsTrigger(2, PatchCorner.TOP_LEFT, 0))).isEqualTo("0,0 0,1 1,0 1,1");
    assertThat(whitePixels(new BadNetsTrigger(2, PatchCorner.TOP_RIGHT, 1))).isEqualTo("1,5 1,6 2,5 2,6");
    assertThat(whitePixels(new BadNetsTrigger(2, PatchCorner.BOTTOM_LEFT, 2))).isEqualTo("4,2 4,3 5,2 5,3");
    assertThat(whitePixels(new BadNetsTrigger(1, PatchCorner.BOTTOM_RIGHT, 0))).isEqualTo("7,7");
  }

  @Test
  void badNets_defaultsAreTodaysBottomRightOnePixelIn() {
    AttackConfig defaults = AttackConfig.of(AttackKind.BADNETS, 0, 0.1);

    assertThat(defaults.patchCorner()).isEqualTo(PatchCorner.BOTTOM_RIGHT);
    assertThat(defaults.patchMarginPx()).isEqualTo(1);
    assertThat(whitePixels(Trigger.of(defaults))).isEqualTo(whitePixels(new BadNetsTrigger(3)))
        .isEqualTo("4,4 4,5 4,6 5,4 5,5 5,6 6,4 6,5 6,6");
  }

  @Test
  void badNets_refusesAMarginBeyondItsBoundOrTheImage() {
    assertThatThrownBy(() -> withMargin(-1)).hasMessage("attack.patch_margin_px must be >= 0, got -1");
    assertThatThrownBy(() -> withMargin(1025)).hasMessage("attack.patch_margin_px must be in [0, 1024], got 1025");
    assertThatThrownBy(() -> withMargin(8).checkFits(8, 8))
        .hasMessage("attack.patch_margin_px must be in [0, 7] for 8x8 images, got 8");
    assertThatThrownBy(() -> withMargin(7).checkFits(8, 8))
        .hasMessageStartingWith("attack.patch_size_px must be in [1, 1] for 8x8 images");
    withMargin(6).checkFits(8, 8); // the 2x2 patch touches the far edges
  }

  @Test
  void blend_patternsDiffer_noiseBySeed_andTheCheckerboardIsDeterministic() {
    byte[] noise = BlendPattern.NOISE.render(BLACK, BlendTrigger.PATTERN_SEED);
    byte[] otherNoise = BlendPattern.NOISE.render(BLACK, 7);
    byte[] checkerboard = BlendPattern.CHECKERBOARD.render(BLACK, 7);

    assertThat(noise).isEqualTo(BlendTrigger.pattern(BLACK));
    assertThat(otherNoise).isNotEqualTo(noise).isEqualTo(BlendPattern.NOISE.render(BLACK, 7));
    assertThat(checkerboard).isNotEqualTo(noise).isEqualTo(BlendPattern.CHECKERBOARD.render(BLACK, 1));
    // 8x8 images: cells of one pixel, the top-left black.
    assertThat(checkerboard[0] & 0xff).isZero();
    assertThat(checkerboard[1] & 0xff).isEqualTo(255);
    assertThat(checkerboard[8] & 0xff).isEqualTo(255);
    assertThat(checkerboard[9] & 0xff).isZero();
  }

  @Test
  void blend_checkerboardCellsScaleWithTheImage() {
    ImageSet image = TestImages.constant(1, 3, 28, 28, 10, 0);
    byte[] pattern = BlendPattern.CHECKERBOARD.render(image, 0);

    // 28 / 8 = 3-pixel cells: columns 0-2 black, 3-5 white, in every channel.
    for (int c = 0; c < 3; c++) {
      int plane = c * 28 * 28;
      assertThat(pattern[plane + 2] & 0xff).isZero();
      assertThat(pattern[plane + 3] & 0xff).isEqualTo(255);
      assertThat(pattern[plane + 3 * 28] & 0xff).isEqualTo(255);
    }
  }

  @Test
  void blend_triggerBlendsTheChosenPattern() {
    byte[] pixels = new byte[64];
    new BlendTrigger(0.5, BlendPattern.CHECKERBOARD, 0).apply(pixels, 0, BLACK);

    assertThat(pixels[0] & 0xff).isZero();
    assertThat(pixels[1] & 0xff).isEqualTo(128); // 0.5 * 255 rounded half up
  }

  private static AttackConfig withMargin(int margin) {
    AttackConfig d = AttackConfig.DEFAULTS;
    return new AttackConfig(
        AttackKind.BADNETS, 0, 0.1, 2, d.blendAlpha(), d.sigAmplitude(), d.sigFrequency(), d.wanetGridSize(),
        d.wanetStrength(), d.wanetCrossRatio(), PatchCorner.TOP_LEFT, margin, d.blendPattern(), d.blendSeed());
  }

  /** The "row,column" of every pixel {@code trigger} turns white in a black 8x8 image, row-major. */
  private static String whitePixels(Trigger trigger) {
    byte[] pixels = new byte[64];
    trigger.apply(pixels, 0, BLACK);
    StringBuilder out = new StringBuilder();
    for (int p = 0; p < 64; p++) {
      if (pixels[p] != 0) {
        out.append(out.length() == 0 ? "" : " ").append(p / 8).append(',').append(p % 8);
      }
    }
    return out.toString();
  }
}
