package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PpmReaderTest {
  private static byte[] ppm(String header, int... raster) {
    byte[] head = header.getBytes(StandardCharsets.ISO_8859_1);
    byte[] out = Arrays.copyOf(head, head.length + raster.length);
    for (int i = 0; i < raster.length; i++) {
      out[head.length + i] = (byte) raster[i];
    }
    return out;
  }

  @Test
  void parse_readsRasterAsChwPastComments() throws Exception {
    // first raster byte is 10, a newline, which must be read as a pixel, not header whitespace
    byte[] file = ppm("P6\n# made by a test\n2 1 # width height\n255\n", 10, 20, 30, 200, 210, 220);

    ChwImage image = PpmReader.parse(file, "a.ppm", DatasetLimits.DEFAULTS);

    assertThat(image.channels()).isEqualTo(3);
    assertThat(image.height()).isEqualTo(1);
    assertThat(image.width()).isEqualTo(2);
    assertThat(image.pixels()).containsExactly(10, 200, 20, (byte) 210, 30, (byte) 220);
  }

  @Test
  void parse_rejectsOtherMagic() {
    assertThatThrownBy(() -> PpmReader.parse(ppm("P5\n1 1\n255\n", 0), "grey.pgm", DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessage("grey.pgm is not a binary PPM image: it starts with 'P5', expected the magic 'P6'");
    assertThatThrownBy(() -> PpmReader.parse(ppm("P3\n1 1\n255\n1 2 3\n"), "ascii.ppm", DatasetLimits.DEFAULTS))
        .hasMessageContaining("ASCII PPM, P3, is not supported");
  }

  @Test
  void parse_rejectsTruncatedRaster() {
    assertThatThrownBy(() -> PpmReader.parse(ppm("P6 2 2 255\n", 1, 2, 3, 4, 5), "cut.ppm", DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessage("cut.ppm is truncated: its header declares 2x2 pixels, 12 raster bytes, but 5 follow the header");
  }

  @Test
  void parse_rejectsMaxvalOtherThan255() {
    assertThatThrownBy(() -> PpmReader.parse(ppm("P6 1 1 65535\n", 0, 0, 0, 0, 0, 0), "deep.ppm", DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("deep.ppm has maxval 65535; only 8-bit PPM images (maxval 255) are supported");
  }

  @Test
  void parse_rejectsMalformedHeader() {
    assertThatThrownBy(() -> PpmReader.parse(ppm("P6 2x2 255\n", 0), "odd.ppm", DatasetLimits.DEFAULTS))
        .hasMessageContaining("odd.ppm has no valid width in its PPM header");
    assertThatThrownBy(() -> PpmReader.parse(ppm("P6 2 2"), "short.ppm", DatasetLimits.DEFAULTS))
        .hasMessageContaining("short.ppm is truncated inside its PPM header, at the height");
  }

  @Test
  void parse_refusesASideOverTheLimitFromTheHeader() {
    assertThatThrownBy(() -> PpmReader.parse(ppm("P6 30000 30000 255\n"), "huge.ppm", DatasetLimits.DEFAULTS))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining(
            "huge.ppm is 30000x30000 pixels; images may be at most 4096 pixels on a side (--max-image-side-px)");
  }
}
