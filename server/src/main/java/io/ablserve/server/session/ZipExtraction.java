package io.ablserve.server.session;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Unpacks an uploaded zip into a folder, refusing entries that would land outside it ("zip slip":
 * {@code ../x}, absolute names) and archives that unpack to more than a byte limit (zip bombs). Both are
 * the uploader's fault: IllegalArgumentException.
 */
final class ZipExtraction {
  private ZipExtraction() {}

  static void unzip(Path zip, Path target, long maxUnpackedBytes) throws IOException {
    Path root = target.toAbsolutePath().normalize();
    Files.createDirectories(root);
    long total = 0;
    byte[] buffer = new byte[64 * 1024];
    try (InputStream raw = Files.newInputStream(zip); ZipInputStream in = new ZipInputStream(raw)) {
      ZipEntry entry;
      int entries = 0;
      while ((entry = in.getNextEntry()) != null) {
        entries++;
        String name = entry.getName().replace('\\', '/');
        Path destination = root.resolve(name).normalize();
        if (name.startsWith("/") || !destination.startsWith(root) || destination.equals(root)) {
          throw new IllegalArgumentException(
              "zip entry '" + entry.getName() + "' would be written outside the dataset folder");
        }
        if (entry.isDirectory()) {
          Files.createDirectories(destination);
          continue;
        }
        Files.createDirectories(destination.getParent());
        try (OutputStream out = Files.newOutputStream(destination)) {
          int n;
          while ((n = in.read(buffer)) > 0) {
            total += n;
            if (total > maxUnpackedBytes) {
              throw new IllegalArgumentException(
                  "zip unpacks to more than " + maxUnpackedBytes + " bytes, this server's limit");
            }
            out.write(buffer, 0, n);
          }
        }
      }
      if (entries == 0) {
        throw new IllegalArgumentException("the upload is not a zip archive, or an empty one");
      }
    } catch (java.util.zip.ZipException e) {
      throw new IllegalArgumentException("the upload is not a readable zip: " + e.getMessage(), e);
    }
  }
}
