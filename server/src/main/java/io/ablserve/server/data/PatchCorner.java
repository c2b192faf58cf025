package io.ablserve.server.data;

/** The image corner a BadNets patch sits in. */
public enum PatchCorner {
  BOTTOM_RIGHT,
  BOTTOM_LEFT,
  TOP_LEFT,
  TOP_RIGHT;

  /** The top row of a {@code size} patch {@code margin} pixels in from this corner's edges, in a {@code h}-row image. */
  int top(int h, int size, int margin) {
    return this == TOP_LEFT || this == TOP_RIGHT ? margin : h - margin - size;
  }

  /** The left column of such a patch in a {@code w}-column image. */
  int left(int w, int size, int margin) {
    return this == TOP_LEFT || this == BOTTOM_LEFT ? margin : w - margin - size;
  }
}
