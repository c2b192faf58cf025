package io.ablserve.server.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NpyReaderTest {
  @TempDir Path dir;

  private static NpyArray parse(byte[] npy) throws Exception {
    return NpyReader.read(new ByteArrayInputStream(npy), "a.npy", DatasetLimits.DEFAULTS.decodeBudget());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void read_readsEveryFormatVersionWithDataAt64ByteBoundary(int major) throws Exception {
    byte[] npy = NpyFiles.npy(major, "|u1", false, new long[] {2, 3}, new byte[] {1, 2, 3, 4, 5, (byte) 255});
    assertThat((npy.length - 6) % 64).isZero(); // the writer is real: 6 data bytes after an aligned header
    Path file = dir.resolve("a.npy");
    Files.write(file, npy);

    NpyArray array = NpyReader.read(file, DatasetLimits.DEFAULTS);

    assertThat(array.descr()).isEqualTo("|u1");
    assertThat(array.shape()).containsExactly(2, 3);
    assertThat(array.data()).containsExactly(1, 2, 3, 4, 5, (byte) 255);
  }

  @Test
  void nchwPixels_movesChannelsLastToChannelPlanes() throws Exception {
    // two 1x2 RGB images, HWC: (r, g, b) per pixel
    byte[] hwc = {1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16};
    NpyArray x = parse(NpyFiles.npy("|u1", new long[] {2, 1, 2, 3}, hwc));

    assertThat(x.imageShape()).containsExactly(3, 1, 2);
    assertThat(x.nchwPixels()).containsExactly(1, 4, 2, 5, 3, 6, 11, 14, 12, 15, 13, 16);
  }

  @Test
  void imageShape_acceptsGreyWithoutAChannelAxis() throws Exception {
    assertThat(parse(NpyFiles.npy("|u1", new long[] {1, 2, 2}, new byte[4])).imageShape()).containsExactly(1, 2, 2);
  }

  @Test
  void labels_readsIntegerDtypesOfEitherByteOrderAndAColumnShape() throws Exception {
    assertThat(parse(NpyFiles.labels("<i8", new long[] {3}, 0, 9, 42)).labels()).containsExactly(0, 9, 42);
    assertThat(parse(NpyFiles.labels("<i4", new long[] {2}, 7, 3)).labels()).containsExactly(7, 3);
    assertThat(parse(NpyFiles.labels(">i2", new long[] {2}, 300, 1)).labels()).containsExactly(300, 1);
    assertThat(parse(NpyFiles.labels("|u1", new long[] {2, 1}, 255, 6)).labels()).containsExactly(255, 6);
  }

  @Test
  void labels_rejectsNegativeAndFloatLabels() throws Exception {
    assertThatThrownBy(() -> parse(NpyFiles.labels("<i8", new long[] {2}, 1, -1)).labels())
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("a.npy[1] is -1; labels must be class indices in [0, 65535]");
    assertThatThrownBy(() -> parse(NpyFiles.npy("<f4", new long[] {1}, new byte[4])).labels())
        .hasMessageContaining("a.npy has dtype '<f4' (float32); labels must be integers");
  }

  @Test
  void imageShape_rejectsFloatImagesNamingTheDtype() throws Exception {
    NpyArray x = parse(NpyFiles.npy("<f8", new long[] {1, 1, 1}, new byte[8]));

    assertThatThrownBy(x::imageShape)
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("a.npy has dtype '<f8' (float64); images must be uint8 ('|u1')");
  }

  @Test
  void imageShape_rejectsChannelsFirstWithAHint() throws Exception {
    NpyArray x = parse(NpyFiles.npy("|u1", new long[] {1, 3, 4, 4}, new byte[48]));

    assertThatThrownBy(x::imageShape)
        .hasMessageContaining("a.npy has shape (1, 3, 4, 4); images must be (N, H, W) or (N, H, W, C)")
        .hasMessageContaining("x.transpose(0, 2, 3, 1)");
  }

  @Test
  void read_rejectsFortranOrder() {
    assertThatThrownBy(() -> parse(NpyFiles.npy(1, "|u1", true, new long[] {2, 2}, new byte[4])))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("a.npy is stored in Fortran order (fortran_order: True)");
  }

  @Test
  void read_rejectsTruncatedData() throws Exception {
    byte[] npy = NpyFiles.npy("<i4", new long[] {3}, new byte[12]);

    assertThatThrownBy(() -> parse(Arrays.copyOf(npy, npy.length - 5)))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessage("a.npy is truncated: its header declares shape (3,) of '<i4', 12 data bytes, but 7 follow");
  }

  @Test
  void read_rejectsAFileThatIsNotNpyAndObjectArrays() throws Exception {
    assertThatThrownBy(() -> parse("PK\3\4 a zip".getBytes()))
        .hasMessageContaining("a.npy is not a .npy array");
    assertThatThrownBy(() -> parse(NpyFiles.npy("|O", new long[] {1}, new byte[8])))
        .hasMessageContaining("a.npy has dtype '|O'; only plain numeric arrays are read");
  }
}
