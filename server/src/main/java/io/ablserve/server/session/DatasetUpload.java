package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.ablserve.server.auth.Principal;
import io.ablserve.server.store.PrivateFiles;
import io.ablserve.v1.DatasetUploadMetadata;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * One upload in progress: the bytes received so far, in a private folder under {@code .incoming/}, and
 * their running SHA-256. Nothing here is visible to anybody until {@link UploadedDatasets#finish} has
 * checked and published it; {@link #abort} removes every trace. Not thread-safe: gRPC delivers one
 * call's messages in order.
 */
public final class DatasetUpload {
  static final String FILE = "upload.bin";

  private final DatasetUploadMetadata metadata;
  private final Principal owner;
  private final Path folder;
  private final long limit;
  private final OutputStream out;
  private final MessageDigest sha256;
  private long received;

  DatasetUpload(DatasetUploadMetadata metadata, Principal owner, Path folder, long limit)
      throws IOException {
    this.metadata = requireNonNull(metadata, "metadata");
    this.owner = requireNonNull(owner, "owner");
    this.folder = requireNonNull(folder, "folder");
    this.limit = limit;
    this.out = Files.newOutputStream(folder.resolve(FILE));
    PrivateFiles.restrict(folder.resolve(FILE));
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has SHA-256", e);
    }
  }

  /** Appends the next chunk. IllegalArgumentException past {@code total_bytes}. */
  public void write(ByteString chunk) throws IOException {
    long after = received + chunk.size();
    if (after > limit) {
      throw new UploadTooLargeException(after, limit);
    }
    if (after > metadata.getTotalBytes()) {
      throw new IllegalArgumentException(
          "received " + after + " bytes, more than total_bytes " + metadata.getTotalBytes());
    }
    chunk.writeTo(out);
    for (java.nio.ByteBuffer buffer : chunk.asReadOnlyByteBufferList()) {
      sha256.update(buffer);
    }
    received = after;
  }

  DatasetUploadMetadata metadata() {
    return metadata;
  }

  Principal owner() {
    return owner;
  }

  Path folder() {
    return folder;
  }

  /** Closes the file and checks it is whole: the declared size and checksum. */
  Path complete() throws IOException {
    out.close();
    if (received != metadata.getTotalBytes()) {
      throw new IllegalArgumentException(
          "upload is truncated: received " + received + " of total_bytes " + metadata.getTotalBytes());
    }
    String actual = HexFormat.of().formatHex(sha256.digest());
    if (!actual.equalsIgnoreCase(metadata.getSha256())) {
      throw new IllegalArgumentException(
          "sha256 mismatch: the bytes received hash to " + actual + ", metadata says "
              + metadata.getSha256().toLowerCase(java.util.Locale.ROOT));
    }
    return folder.resolve(FILE);
  }

  /** Removes the upload's folder and all in it; safe to call more than once. */
  public void abort() {
    try {
      out.close();
    } catch (IOException e) {
      // the folder goes anyway
    }
    deleteTree(folder);
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot remove " + root, e);
    }
  }
}
