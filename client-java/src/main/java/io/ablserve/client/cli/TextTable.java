package io.ablserve.client.cli;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table with columns padded to their widest cell; numeric columns can be right-aligned. */
final class TextTable {
  private static final String GAP = "  ";

  private final List<String[]> rows = new ArrayList<>();
  private final boolean[] rightAligned;
  private final int width;

  TextTable(String... header) {
    this.width = header.length;
    this.rightAligned = new boolean[width];
    rows.add(header.clone());
  }

  TextTable alignRight(int... columns) {
    for (int column : columns) {
      rightAligned[column] = true;
    }
    return this;
  }

  TextTable row(String... cells) {
    if (cells.length != width) {
      throw new IllegalArgumentException(
          "row has " + cells.length + " cells, table has " + width + " columns");
    }
    rows.add(cells.clone());
    return this;
  }

  /** The table, one line per row (header first), each ending in a newline, no trailing spaces. */
  String render() {
    int[] widths = new int[width];
    for (String[] row : rows) {
      for (int c = 0; c < width; c++) {
        widths[c] = Math.max(widths[c], row[c].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < width; c++) {
        if (c > 0) {
          line.append(GAP);
        }
        String pad = " ".repeat(widths[c] - row[c].length());
        line.append(rightAligned[c] ? pad + row[c] : row[c] + pad);
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }
}
