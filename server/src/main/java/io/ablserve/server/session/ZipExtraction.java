package io.ablserve.server.session;

import io.ablserve.server.data.DatasetLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Unpacks an uploaded zip into a folder, refusing entries that would land outside it ("zip slip":
 * {@code ../x}, absolute names) with IllegalArgumentException, and zip bombs with {@link
 * UploadTooLargeException}: more entries than {@link DatasetLimits#maxZipEntries}, or more bytes than
 * {@link DatasetLimits#maxUnpackedBytes}, counted as they inflate (an entry's declared size is checked
 * before it is written, but not trusted), so no more than the limit is ever written.
 */
final class ZipExtraction {
  private ZipExtraction() {}

  static void unzip(Path zip, Path target, DatasetLimits limits) throws IOException {
    Path root = target.toAbsolutePath().normalize();
    Files.createDirectories(root);
    long total = 0;
    byte[] buffer = new byte[64 * 1024];
    try (InputStream raw = Files.newInputStream(zip); ZipInputStream in = new ZipInputStream(raw)) {
      ZipEntry entry;
      int entries = 0;
      while ((entry = in.getNextEntry()) != null) {
        if (++entries > limits.maxZipEntries()) {
          throw new UploadTooLargeException(
              "the zip holds more than " + limits.maxZipEntries() + " entries, this server's limit ("
                  + DatasetLimits.ZIP_ENTRIES_FLAG + ")");
        }
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
        if (entry.getSize() > limits.maxUnpackedBytes() - total) {
          throw tooLarge(limits, "entry '" + entry.getName() + "' declares " + entry.getSize() + " bytes");
        }
        Files.createDirectories(destination.getParent());
        try (OutputStream out = Files.newOutputStream(destination)) {
          int n;
          while ((n = in.read(buffer)) > 0) {
            if (n > limits.maxUnpackedBytes() - total) {
              throw tooLarge(limits, "entry '" + entry.getName() + "' inflates past it");
            }
            total += n;
            out.write(buffer, 0, n);
          }
        }
      }
      if (entries == 0) {
        throw new IllegalArgumentException("the upload is not a zip archive, or an empty one");
      }
    } catch (ZipException e) {
      throw new IllegalArgumentException("the upload is not a readable zip: " + e.getMessage(), e);
    }
  }

  private static UploadTooLargeException tooLarge(DatasetLimits limits, String why) {
    return new UploadTooLargeException(
        "the zip unpacks to more than " + limits.maxUnpackedBytes() + " bytes, this server's limit ("
            + DatasetLimits.UNPACKED_FLAG + "): " + why);
  }
}
