package io.ablserve.server.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes NumPy {@code .npy} arrays and {@code .npz} archives as NumPy does: magic {@code \x93NUMPY}, version,
 * little-endian header length, the dict literal padded with spaces and ended by a newline so the data starts
 * at a multiple of 64 bytes; npz members are {@code name.npy}, stored or deflated.
 */
public final class NpyFiles {
  private NpyFiles() {}

  public static byte[] npy(String descr, long[] shape, byte[] data) throws IOException {
    return npy(1, descr, false, shape, data);
  }

  public static byte[] npy(int major, String descr, boolean fortranOrder, long[] shape, byte[] data)
      throws IOException {
    String dims = Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", "));
    String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortranOrder ? "True" : "False")
        + ", 'shape': (" + dims + (shape.length == 1 ? "," : "") + "), }";
    int preamble = 6 + 2 + (major == 1 ? 2 : 4);
    int headerLength = dict.length() + 1;
    headerLength += (64 - (preamble + headerLength) % 64) % 64;
    String header = dict + " ".repeat(headerLength - dict.length() - 1) + "\n";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    ByteBuffer length = ByteBuffer.allocate(major == 1 ? 2 : 4).order(ByteOrder.LITTLE_ENDIAN);
    if (major == 1) {
      length.putShort((short) headerLength);
    } else {
      length.putInt(headerLength);
    }
    out.write(length.array());
    out.write(header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1));
    out.write(data);
    return out.toByteArray();
  }

  /** A 1-D label array of the given integer dtype ({@code |u1}, {@code <i2}, {@code >i4}, {@code <i8}, ...). */
  public static byte[] labels(String descr, long[] shape, int... values) throws IOException {
    int size = Integer.parseInt(descr.substring(2));
    ByteBuffer data = ByteBuffer.allocate(values.length * size)
        .order(descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      switch (size) {
        case 1 -> data.put((byte) v);
        case 2 -> data.putShort((short) v);
        case 4 -> data.putInt(v);
        default -> data.putLong(v);
      }
    }
    return npy(descr, shape, data.array());
  }

  /** An npz of the given members (names without {@code .npy}), in the given order. */
  public static void writeNpz(Path file, Map<String, byte[]> members, boolean deflate) throws IOException {
    try (OutputStream raw = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(raw)) {
      for (Map.Entry<String, byte[]> member : members.entrySet()) {
        ZipEntry entry = new ZipEntry(member.getKey() + ".npy");
        byte[] bytes = member.getValue();
        if (!deflate) {
          CRC32 crc = new CRC32();
          crc.update(bytes);
          entry.setMethod(ZipEntry.STORED);
          entry.setSize(bytes.length);
          entry.setCompressedSize(bytes.length);
          entry.setCrc(crc.getValue());
        }
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
      }
    }
  }
}
