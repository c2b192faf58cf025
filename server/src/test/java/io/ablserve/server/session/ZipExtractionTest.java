package io.ablserve.server.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ablserve.server.data.DatasetLimits;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZipExtractionTest {
  private static final DatasetLimits LIMITS = new DatasetLimits(1 << 20, 4096, 10, 1 << 20);

  @TempDir Path dir;

  private Path zip(int entries, int bytesEach, boolean stored) throws IOException {
    Path file = dir.resolve("upload.zip");
    byte[] zeros = new byte[bytesEach];
    try (OutputStream raw = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(raw)) {
      for (int i = 0; i < entries; i++) {
        ZipEntry entry = new ZipEntry("data/" + i + ".bin");
        if (stored) { // sizes in the local header, where the extraction sees them before any byte
          CRC32 crc = new CRC32();
          crc.update(zeros);
          entry.setMethod(ZipEntry.STORED);
          entry.setSize(zeros.length);
          entry.setCompressedSize(zeros.length);
          entry.setCrc(crc.getValue());
        }
        zip.putNextEntry(entry);
        zip.write(zeros);
        zip.closeEntry();
      }
    }
    return file;
  }

  private static long bytesUnder(Path folder) throws IOException {
    try (Stream<Path> files = Files.walk(folder)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  private static long filesUnder(Path folder) throws IOException {
    try (Stream<Path> files = Files.walk(folder)) {
      return files.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void unzip_unpacksWhatFitsTheLimits() throws Exception {
    Path target = dir.resolve("out");

    ZipExtraction.unzip(zip(10, 100_000, false), target, LIMITS);

    assertThat(filesUnder(target)).isEqualTo(10);
    assertThat(bytesUnder(target)).isEqualTo(1_000_000);
  }

  @Test
  void unzip_cutsADeflatedBombAtTheUnpackedLimit_countedAsItInflates() throws Exception {
    Path bomb = zip(1, 50 << 20, false); // 50 MiB of zeros, about 50 KiB zipped, size not declared up front
    Path target = dir.resolve("out");

    assertThatThrownBy(() -> ZipExtraction.unzip(bomb, target, LIMITS))
        .isInstanceOf(UploadTooLargeException.class)
        .hasMessageContaining(
            "the zip unpacks to more than 1048576 bytes, this server's limit (--max-unpacked-bytes):"
                + " entry 'data/0.bin' inflates past it");
    assertThat(Files.size(bomb)).isLessThan(1 << 20);
    assertThat(bytesUnder(target)).as("bytes written before the refusal").isLessThanOrEqualTo(1 << 20);
  }

  @Test
  void unzip_refusesAnEntryWhoseDeclaredSizeIsOverTheLimit_beforeWritingIt() throws Exception {
    Path stored = zip(1, (1 << 20) + 1, true);
    Path target = dir.resolve("out");

    assertThatThrownBy(() -> ZipExtraction.unzip(stored, target, LIMITS))
        .isInstanceOf(UploadTooLargeException.class)
        .hasMessageContaining("entry 'data/0.bin' declares 1048577 bytes");
    assertThat(filesUnder(target)).isZero();
  }

  @Test
  void unzip_refusesMoreEntriesThanTheLimit_afterWritingNoMoreThanIt() throws Exception {
    Path many = zip(50, 1, false);
    Path target = dir.resolve("out");

    assertThatThrownBy(() -> ZipExtraction.unzip(many, target, LIMITS))
        .isInstanceOf(UploadTooLargeException.class)
        .hasMessageContaining("the zip holds more than 10 entries, this server's limit (--max-zip-entries)");
    assertThat(filesUnder(target)).isEqualTo(10);
  }
}
