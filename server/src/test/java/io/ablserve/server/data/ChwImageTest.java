package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ChwImageTest {
  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  @Test
  void fromInterleaved_movesEachChannelToItsPlane() {
    ChwImage image = ChwImage.fromInterleaved(3, 1, 2, bytes(9, 1, 2, 3, 10, 20, 30), 1);

    assertThat(image.pixels()).containsExactly(bytes(1, 10, 2, 20, 3, 30));
  }

  @Test
  void resize_enlargesWithHalfPixelCentres() {
    ChwImage row = new ChwImage(1, 1, 2, bytes(0, 100));

    assertThat(row.resize(1, 4).pixels()).containsExactly(bytes(0, 25, 75, 100));
  }

  @Test
  void resize_shrinksWithTriangleWidenedToTheScale() {
    // output 0 centres on input 1.0 with radius 2: weights .75, .75, .25 on inputs 0, 1, 2
    ChwImage row = new ChwImage(1, 1, 4, bytes(0, 100, 200, 40));

    assertThat(row.resize(1, 2).pixels()).containsExactly(bytes(71, 117));
  }

  @Test
  void resize_keepsAUniformImageUniformInEveryChannel() {
    byte[] pixels = new byte[3 * 7 * 5];
    Arrays.fill(pixels, 0, 35, (byte) 200);
    Arrays.fill(pixels, 35, 70, (byte) 13);
    Arrays.fill(pixels, 70, 105, (byte) 90);

    ChwImage resized = new ChwImage(3, 7, 5, pixels).resize(32, 32);

    assertThat(resized.pixels()).hasSize(3 * 32 * 32);
    for (int i = 0; i < resized.pixels().length; i++) {
      assertThat(resized.pixels()[i] & 0xff).isEqualTo(i < 1024 ? 200 : i < 2048 ? 13 : 90);
    }
  }

  @Test
  void crop_takesTheRegionFromEveryChannel() {
    // two 3x3 channels holding 0..8 and 10..18
    ChwImage image = new ChwImage(2, 3, 3, bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18));

    assertThat(image.crop(1, 0, 2, 2).pixels()).containsExactly(bytes(1, 2, 4, 5, 11, 12, 14, 15));
  }

  @Test
  void withChannels_repeatsGreyIntoRedGreenBlue() {
    assertThat(new ChwImage(1, 1, 2, bytes(5, 6)).withChannels(3).pixels()).containsExactly(bytes(5, 6, 5, 6, 5, 6));
  }
}
