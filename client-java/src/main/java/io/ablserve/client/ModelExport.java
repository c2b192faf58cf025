package io.ablserve.client;

import com.google.protobuf.util.JsonFormat;
import io.ablserve.v1.ExportModelChunk;
import io.ablserve.v1.ModelFormat;
import io.ablserve.v1.ModelMetadata;
import io.grpc.Status;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;

/**
 * Writes an {@code ExportModel} stream into a folder. The folder is created only once the server has
 * announced a model, so a refused export (a cancelled session, an unknown id) leaves nothing behind, and
 * removed again, if this created it, when the download fails part way.
 */
final class ModelExport {
  private ModelExport() {}

  /**
   * Writes the parameter file of {@code format} (checked against the announced size and SHA-256, {@code DATA_LOSS}
   * otherwise) and {@value AblClient#METADATA_FILE}; returns the metadata. A failed call surfaces as the
   * stream's StatusRuntimeException.
   */
  static ModelMetadata write(Iterator<ExportModelChunk> chunks, Path dir, ModelFormat format)
      throws IOException {
    boolean safetensors = format == ModelFormat.MODEL_FORMAT_SAFETENSORS;
    ExportModelChunk first = chunks.next(); // a refusal arrives here, before anything is written
    if (!first.hasMetadata()) {
      throw new AblClientException(
          Status.Code.INTERNAL, "the export did not start with the model's metadata", null);
    }
    ModelMetadata metadata = first.getMetadata();
    String file = safetensors ? metadata.getSafetensorsFile() : metadata.getParamsFile();
    long bytes = safetensors ? metadata.getSafetensorsBytes() : metadata.getParamsBytes();
    String expected = safetensors ? metadata.getSafetensorsSha256() : metadata.getParamsSha256();
    Path created = createFolders(dir);
    Path partial = null;
    boolean complete = false;
    try {
      partial = Files.createTempFile(dir, ".export-", ".partial");
      MessageDigest sha256 = sha256();
      long size = 0;
      try (OutputStream out = new DigestOutputStream(Files.newOutputStream(partial), sha256)) {
        while (chunks.hasNext()) {
          ExportModelChunk chunk = chunks.next();
          chunk.getChunk().writeTo(out);
          size += chunk.getChunk().size();
        }
      }
      String digest = HexFormat.of().formatHex(sha256.digest());
      if (size != bytes || !digest.equalsIgnoreCase(expected)) {
        throw new AblClientException(Status.Code.DATA_LOSS,
            "received " + size + " bytes with SHA-256 " + digest + ", expected " + bytes + " bytes with "
                + expected, null);
      }
      Files.move(partial, dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
      Files.writeString(dir.resolve(AblClient.METADATA_FILE), JsonFormat.printer().print(metadata),
          StandardCharsets.UTF_8);
      complete = true;
      return metadata;
    } finally {
      if (partial != null) {
        Files.deleteIfExists(partial);
      }
      if (!complete && created != null) {
        deleteTree(created);
      }
    }
  }

  /** Creates {@code dir} and its missing parents; returns the outermost one it created, or null. */
  private static Path createFolders(Path dir) throws IOException {
    Path outermost = null;
    for (Path p = dir.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
      outermost = p;
    }
    Files.createDirectories(dir);
    return outermost;
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has SHA-256", e);
    }
  }
}
