package io.ablserve.server.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One array read by {@link NpyReader}: its dtype as NumPy writes it ({@code descr}, e.g. {@code |u1},
 * {@code <i8}), its shape and its raw C-order bytes. Converts to the images and labels of an {@link ImageSet},
 * rejecting dtypes and shapes that would need a guess.
 */
public record NpyArray(String source, String descr, long[] shape, byte[] data) {
  /** The largest label accepted; a stray huge label would otherwise ask for a model with that many outputs. */
  static final int MAX_LABEL = 65_535;

  private static final Map<Character, String> KINDS = Map.of('b', "bool", 'i', "int", 'u', "uint", 'f', "float");

  /** The number of samples: the first dimension. */
  public int length() throws DatasetFormatException {
    if (shape.length == 0) {
      throw new DatasetFormatException(source + " is a scalar; expected one entry per sample");
    }
    return (int) shape[0];
  }

  /**
   * The images' channels, height and width. Accepts uint8 of shape (N, H, W), one grey channel, or
   * (N, H, W, C) with C 1 or 3, channels last as NumPy, PIL and Keras hold images.
   */
  public int[] imageShape() throws DatasetFormatException {
    if (kind() != 'u' || itemSize() != 1) {
      throw new DatasetFormatException(
          source + " has dtype '" + descr + "' (" + typeName() + "); images must be uint8 ('|u1'),"
              + " e.g. np.clip(np.round(x * 255), 0, 255).astype(np.uint8) for floats in [0, 1]");
    }
    boolean grey = shape.length == 3;
    boolean channelsLast = shape.length == 4 && (shape[3] == 1 || shape[3] == 3);
    if (!grey && !channelsLast) {
      throw new DatasetFormatException(
          source + " has shape " + shapeText(shape) + "; images must be (N, H, W) or (N, H, W, C) with C 1 or 3"
              + " (channels last; for (N, C, H, W) use x.transpose(0, 2, 3, 1))");
    }
    if (shape[1] == 0 || shape[2] == 0) {
      throw new DatasetFormatException(source + " has shape " + shapeText(shape) + ", images with no pixels");
    }
    return new int[] {grey ? 1 : (int) shape[3], (int) shape[1], (int) shape[2]};
  }

  /** The images' pixels in NCHW order; see {@link #imageShape()} for what is accepted. */
  public byte[] nchwPixels() throws DatasetFormatException {
    int[] chw = imageShape();
    if (chw[0] == 1) {
      return data; // (N, H, W) and (N, H, W, 1) are already NCHW byte for byte
    }
    int channels = chw[0];
    int imageBytes = channels * chw[1] * chw[2];
    byte[] out = new byte[data.length];
    for (int offset = 0; offset < data.length; offset += imageBytes) {
      byte[] image = ChwImage.fromInterleaved(channels, chw[1], chw[2], data, offset).pixels();
      System.arraycopy(image, 0, out, offset, imageBytes);
    }
    return out;
  }

  /** Class labels from an integer array of shape (N,) or (N, 1), as Keras stores CIFAR-10's. */
  public int[] labels() throws DatasetFormatException {
    char kind = kind();
    if (kind != 'i' && kind != 'u') {
      throw new DatasetFormatException(
          source + " has dtype '" + descr + "' (" + typeName() + "); labels must be integers"
              + " ('<i8', '<i4', '<i2', '|u1', ...), e.g. y.astype(np.int64)");
    }
    if (!(shape.length == 1 || (shape.length == 2 && shape[1] == 1))) {
      throw new DatasetFormatException(
          source + " has shape " + shapeText(shape) + "; labels must be (N,) or (N, 1) class indices"
              + " (for one-hot labels use y.argmax(axis=1))");
    }
    int size = itemSize();
    ByteBuffer buffer = ByteBuffer.wrap(data)
        .order(descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    int[] labels = new int[(int) shape[0]];
    for (int i = 0; i < labels.length; i++) {
      long value = switch (size) {
        case 1 -> kind == 'u' ? buffer.get() & 0xffL : buffer.get();
        case 2 -> kind == 'u' ? buffer.getShort() & 0xffffL : buffer.getShort();
        case 4 -> kind == 'u' ? buffer.getInt() & 0xffff_ffffL : buffer.getInt();
        case 8 -> buffer.getLong();
        default -> throw new DatasetFormatException(source + " has an integer dtype of odd size: " + descr);
      };
      if (value < 0 || value > MAX_LABEL) {
        throw new DatasetFormatException(
            source + "[" + i + "] is " + (kind == 'u' && size == 8 ? Long.toUnsignedString(value) : value)
                + "; labels must be class indices in [0, " + MAX_LABEL + "]");
      }
      labels[i] = (int) value;
    }
    return labels;
  }

  static String shapeText(long[] shape) {
    String dims = Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", "));
    return "(" + dims + (shape.length == 1 ? ",)" : ")");
  }

  /** The dtype's kind letter: {@code b}ool, {@code i}nt, {@code u}int or {@code f}loat. */
  private char kind() {
    return descr.replaceAll("[^a-zA-Z]", "").charAt(0);
  }

  private int itemSize() {
    return Integer.parseInt(descr.replaceAll("\\D", ""));
  }

  private String typeName() {
    return kind() == 'b' ? "bool" : KINDS.getOrDefault(kind(), "?") + itemSize() * 8;
  }
}
