package io.ablserve.client.cli;

import io.ablserve.v1.ConfusionMatrix;

/**
 * The final model's confusion matrix as text: one row per true class, one column per predicted class,
 * counts of test images; the attack's target marked, since a surviving backdoor pulls images into its column.
 */
final class ConfusionTable {
  private ConfusionTable() {}

  /** The table with its title line; empty when the matrix is unset (a server older than the field). */
  static String render(ConfusionMatrix matrix, int targetLabel) {
    int n = matrix.getNumClasses();
    if (n == 0 || matrix.getCountsCount() != n * n) {
      return "";
    }
    String[] header = new String[n + 1];
    header[0] = "true \\ predicted";
    int[] right = new int[n];
    for (int p = 0; p < n; p++) {
      header[p + 1] = Integer.toString(p);
      right[p] = p + 1;
    }
    TextTable table = new TextTable(header).alignRight(right);
    for (int t = 0; t < n; t++) {
      String[] row = new String[n + 1];
      row[0] = t + (t == targetLabel ? " (target)" : "");
      for (int p = 0; p < n; p++) {
        row[p + 1] = Long.toString(matrix.getCounts(t * n + p));
      }
      table.row(row);
    }
    return "confusion matrix of the clean test set (rows: true class, columns: predicted class)\n"
        + table.render();
  }
}
