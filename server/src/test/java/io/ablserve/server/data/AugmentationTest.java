package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class AugmentationTest {
  static final int C = 2;
  static final int H = 5;
  static final int W = 7;

  /** One C x H x W image whose bytes are 1..70, so every pixel is distinct and none is 0. */
  static byte[] distinctImage() {
    byte[] pixels = new byte[C * H * W];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) (i + 1);
    }
    return pixels;
  }

  /** The crop by the definition: zero-pad by p on every side, then cut H x W at (top, left). */
  static byte[] padThenCut(byte[] image, int p, int top, int left) {
    int ph = H + 2 * p;
    int pw = W + 2 * p;
    byte[] out = new byte[image.length];
    for (int c = 0; c < C; c++) {
      byte[] padded = new byte[ph * pw];
      for (int y = 0; y < H; y++) {
        System.arraycopy(image, c * H * W + y * W, padded, (y + p) * pw + p, W);
      }
      for (int y = 0; y < H; y++) {
        System.arraycopy(padded, (y + top) * pw + left, out, c * H * W + y * W, W);
      }
    }
    return out;
  }

  @Test
  void crop_atEveryCorner_equalsPaddingWithZerosThenCutting() {
    RandomCrop crop = new RandomCrop(C, H, W, 2);
    for (int top = 0; top <= 4; top++) {
      for (int left = 0; left <= 4; left++) {
        byte[] pixels = new byte[3 + C * H * W];
        System.arraycopy(distinctImage(), 0, pixels, 3, C * H * W);

        crop.crop(pixels, 3, top, left);

        byte[] result = java.util.Arrays.copyOfRange(pixels, 3, pixels.length);
        assertThat(result).as("corner (%d, %d)", top, left).isEqualTo(padThenCut(distinctImage(), 2, top, left));
        assertThat(pixels[0]).isZero();
      }
    }
  }

  @Test
  void crop_atTopLeftCorner_shiftsContentDownRightAndZeroesTheUncoveredBorder() {
    byte[] pixels = distinctImage();
    new RandomCrop(C, H, W, 2).crop(pixels, 0, 0, 0);

    assertThat(pixels[0]).isZero();
    assertThat(pixels[W + 1]).isZero();
    assertThat(pixels[2 * W + 2]).isEqualTo((byte) 1);
    assertThat(pixels[4 * W + 6]).isEqualTo((byte) (2 * W + 4 + 1));
    assertThat(pixels[H * W + 2 * W + 2]).isEqualTo((byte) (H * W + 1));
  }

  @Test
  void crop_withSeededRandom_isReproducibleAndReachesEveryCorner() {
    RandomCrop crop = new RandomCrop(C, H, W, 2);
    byte[] a = distinctImage();
    byte[] b = distinctImage();
    crop.apply(a, 0, new Random(3));
    crop.apply(b, 0, new Random(3));
    assertThat(a).isEqualTo(b);

    java.util.Set<String> reached = new java.util.HashSet<>();
    Random rng = new Random(3);
    for (int i = 0; i < 500; i++) {
      byte[] pixels = distinctImage();
      crop.apply(pixels, 0, rng);
      for (int top = 0; top <= 4; top++) {
        for (int left = 0; left <= 4; left++) {
          if (java.util.Arrays.equals(pixels, padThenCut(distinctImage(), 2, top, left))) {
            reached.add(top + "," + left);
          }
        }
      }
    }
    assertThat(reached).hasSize(25);
  }

  @Test
  void flip_mirrorsEveryRow() {
    byte[] pixels = distinctImage();
    new HorizontalFlip(C, H, W).flip(pixels, 0);

    byte[] original = distinctImage();
    for (int r = 0; r < C * H; r++) {
      for (int x = 0; x < W; x++) {
        assertThat(pixels[r * W + x]).isEqualTo(original[r * W + W - 1 - x]);
      }
    }
  }

  @Test
  void flip_happensAboutHalfTheTime() {
    HorizontalFlip flip = new HorizontalFlip(C, H, W);
    Random rng = new Random(4);
    int flipped = 0;
    for (int i = 0; i < 1000; i++) {
      byte[] pixels = distinctImage();
      flip.apply(pixels, 0, rng);
      flipped += pixels[0] == W ? 1 : 0;
    }
    assertThat(flipped).isBetween(450, 550);
  }

  @Test
  void cutout_zeroesExactlyASquareInEveryChannel_clippedAtTheBorder() {
    Cutout cutout = new Cutout(C, H, W, 2);
    byte[] inside = distinctImage();
    cutout.cut(inside, 0, 2, 3);
    assertThat(zeroes(inside)).containsExactly(
        "0:1,2", "0:1,3", "0:2,2", "0:2,3", "1:1,2", "1:1,3", "1:2,2", "1:2,3");

    byte[] corner = distinctImage();
    cutout.cut(corner, 0, 0, 0);
    assertThat(zeroes(corner)).containsExactly("0:0,0", "1:0,0");
  }

  @Test
  void cutout_ofSize8_zeroes64PixelsPerChannelWhenInside() {
    Cutout cutout = new Cutout(3, 32, 32, 8);
    byte[] pixels = new byte[3 * 32 * 32];
    java.util.Arrays.fill(pixels, (byte) 9);
    cutout.cut(pixels, 0, 16, 10);
    int zeroes = 0;
    for (byte b : pixels) {
      zeroes += b == 0 ? 1 : 0;
    }
    assertThat(zeroes).isEqualTo(3 * 64);
    assertThat(pixels[12 * 32 + 6]).isZero();
    assertThat(pixels[19 * 32 + 13]).isZero();
    assertThat(pixels[20 * 32 + 13]).isEqualTo((byte) 9);
  }

  static java.util.List<String> zeroes(byte[] pixels) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (int c = 0; c < C; c++) {
      for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
          if (pixels[c * H * W + y * W + x] == 0) {
            out.add(c + ":" + y + "," + x);
          }
        }
      }
    }
    return out;
  }
}
