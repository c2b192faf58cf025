package io.ablserve.server.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads NumPy's {@code .npy} format, versions 1.0, 2.0 and 3.0: the magic {@code \x93NUMPY}, two version
 * bytes, the header length (2 bytes little-endian in 1.0, 4 in 2.0 and 3.0), a Python dict literal with
 * {@code descr}, {@code fortran_order} and {@code shape}, then the raw array. Only C-order arrays of plain
 * numbers (bool, signed and unsigned integers, floats) are read; what dtype suits images or labels is
 * {@link NpyArray}'s concern.
 */
public final class NpyReader {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
  private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");
  private static final Pattern NUMBER_DTYPE = Pattern.compile("[<>|=]?[biuf](1|2|4|8|16)");

  private NpyReader() {}

  /** What an array's header declares: its dtype, its shape and the bytes of data that follow. */
  record Header(String descr, long[] shape, long dataBytes) {}

  /** Reads one {@code .npy} file, its data claimed from a budget of {@code limits} before it is read. */
  public static NpyArray read(Path file, DatasetLimits limits) throws IOException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      return read(in, file.toString(), limits.decodeBudget());
    }
  }

  /**
   * Reads one array from {@code in}, claiming its declared size from {@code budget} before reading the
   * data; {@code source} names it in errors (a file, or an npz member).
   */
  static NpyArray read(InputStream in, String source, DecodeBudget budget) throws IOException {
    Header header = header(in, source);
    budget.claim(header.dataBytes(), source + " (shape " + NpyArray.shapeText(header.shape()) + ")");
    return body(in, source, header);
  }

  /** Reads and checks the preamble and header, leaving {@code in} at the first data byte. */
  static Header header(InputStream in, String source) throws IOException {
    byte[] start = in.readNBytes(8);
    if (start.length < 8 || !Arrays.equals(start, 0, 6, MAGIC, 0, 6)) {
      throw new DatasetFormatException(source + " is not a .npy array: it does not start with \\x93NUMPY");
    }
    int major = start[6];
    int minor = start[7];
    if (major < 1 || major > 3 || minor != 0) {
      throw new DatasetFormatException(
          source + " has .npy format version " + major + "." + minor + "; versions 1.0, 2.0 and 3.0 are read");
    }
    byte[] lengthBytes = in.readNBytes(major == 1 ? 2 : 4);
    if (lengthBytes.length < (major == 1 ? 2 : 4)) {
      throw new DatasetFormatException(source + " is truncated inside its .npy preamble");
    }
    long headerLength = 0;
    for (int i = lengthBytes.length - 1; i >= 0; i--) {
      headerLength = (headerLength << 8) | (lengthBytes[i] & 0xff);
    }
    if (headerLength > 1 << 20) {
      throw new DatasetFormatException(source + " declares a " + headerLength + "-byte .npy header");
    }
    byte[] headerBytes = in.readNBytes((int) headerLength);
    if (headerBytes.length < headerLength) {
      throw new DatasetFormatException(
          source + " is truncated inside its .npy header (" + headerBytes.length + " of " + headerLength + " bytes)");
    }
    String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    String descr = field(DESCR, header, source, "descr");
    if (!NUMBER_DTYPE.matcher(descr).matches()) {
      throw new DatasetFormatException(
          source + " has dtype '" + descr + "'; only plain numeric arrays are read (uint8 images, integer labels)");
    }
    if (field(FORTRAN, header, source, "fortran_order").equals("True")) {
      throw new DatasetFormatException(
          source + " is stored in Fortran order (fortran_order: True); save it in C order,"
              + " e.g. np.save(f, np.ascontiguousarray(a))");
    }
    long[] shape = shape(field(SHAPE, header, source, "shape"), source);
    int itemSize = Integer.parseInt(descr.replaceAll("\\D", ""));
    long dataBytes = itemSize;
    for (long dim : shape) {
      dataBytes = dim == 0 ? 0 : Math.min(dataBytes, Long.MAX_VALUE / dim) * dim; // saturates, never wraps
    }
    if (dataBytes > Integer.MAX_VALUE - 8) {
      throw new DatasetFormatException(
          source + " holds " + dataBytes + " bytes, more than one array holds; split it into smaller files");
    }
    return new Header(descr, shape, dataBytes);
  }

  /**
   * Reads the data {@code header} declares. The buffer grows with the bytes that actually arrive, so a
   * truncated array costs what it holds, not what it claims.
   */
  static NpyArray body(InputStream in, String source, Header header) throws IOException {
    byte[] data = in.readNBytes((int) header.dataBytes());
    if (data.length < header.dataBytes()) {
      throw new DatasetFormatException(
          String.format("%s is truncated: its header declares shape %s of '%s', %d data bytes, but %d follow",
              source, NpyArray.shapeText(header.shape()), header.descr(), header.dataBytes(), data.length));
    }
    return new NpyArray(source, header.descr(), header.shape(), data);
  }

  private static String field(Pattern pattern, String header, String source, String name)
      throws DatasetFormatException {
    Matcher m = pattern.matcher(header);
    if (!m.find()) {
      throw new DatasetFormatException(
          source + " has no readable '" + name + "' in its .npy header " + header.trim());
    }
    return m.group(1);
  }

  private static long[] shape(String tuple, String source) throws DatasetFormatException {
    String[] parts = tuple.split(",");
    long[] dims = new long[parts.length];
    int n = 0;
    for (String part : parts) {
      String dim = part.trim();
      if (dim.isEmpty()) {
        continue; // the trailing comma of "(5,)", or "()" for a scalar
      }
      try {
        dims[n++] = Long.parseLong(dim.endsWith("L") ? dim.substring(0, dim.length() - 1) : dim);
      } catch (NumberFormatException e) {
        throw new DatasetFormatException(source + " has the shape (" + tuple + "), not a tuple of integers");
      }
      if (dims[n - 1] < 0) {
        throw new DatasetFormatException(source + " has a negative dimension in its shape (" + tuple + ")");
      }
    }
    return Arrays.copyOf(dims, n);
  }
}
