package io.ablserve.client;

import com.google.protobuf.ByteString;
import io.ablserve.v1.Dataset;
import io.ablserve.v1.DatasetServiceGrpc.DatasetServiceStub;
import io.ablserve.v1.DatasetUploadMetadata;
import io.ablserve.v1.UploadDatasetRequest;
import io.ablserve.v1.UploadFormat;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * One UploadDataset call: the metadata with the file's size and SHA-256, then the file in 1 MiB chunks,
 * each sent only when the call is ready, so a file of any size streams through a bounded buffer. A folder
 * is zipped into a temporary file first, as the Python client does.
 */
final class DatasetUploadCall implements ClientResponseObserver<UploadDatasetRequest, Dataset> {
  /** gRPC's default message limit is 4 MiB; 1 MiB chunks leave room. */
  static final int CHUNK_BYTES = 1 << 20;

  private final CompletableFuture<Dataset> response = new CompletableFuture<>();
  private final Object ready = new Object();
  private volatile ClientCallStreamObserver<UploadDatasetRequest> call;

  private DatasetUploadCall() {}

  /**
   * Uploads {@code path} (an .npz, a .zip, or a folder in a layout the server reads) as {@code name};
   * {@code progress} hears the bytes sent so far. Blocks until the server has loaded the data.
   */
  static Dataset upload(DatasetServiceStub stub, Path path, String name, LongConsumer progress)
      throws IOException {
    if (Files.isDirectory(path)) {
      Path zip = Files.createTempFile("ablserve-upload-", ".zip");
      try {
        zipFolder(path, zip);
        return new DatasetUploadCall().send(stub, zip, UploadFormat.UPLOAD_FORMAT_ZIP, name, progress);
      } finally {
        Files.deleteIfExists(zip);
      }
    }
    String file = path.getFileName().toString().toLowerCase(Locale.ROOT);
    UploadFormat format;
    if (file.endsWith(".npz")) {
      format = UploadFormat.UPLOAD_FORMAT_NPZ;
    } else if (file.endsWith(".zip")) {
      format = UploadFormat.UPLOAD_FORMAT_ZIP;
    } else {
      throw new IllegalArgumentException(
          "upload an .npz file, a .zip of a dataset folder, or the folder itself; got " + path);
    }
    return new DatasetUploadCall().send(stub, path, format, name, progress);
  }

  private Dataset send(
      DatasetServiceStub stub, Path file, UploadFormat format, String name, LongConsumer progress)
      throws IOException {
    long size = Files.size(file);
    String sha256 = sha256(file);
    stub.uploadDataset(this);
    try (InputStream in = Files.newInputStream(file)) {
      write(UploadDatasetRequest.newBuilder()
          .setMetadata(DatasetUploadMetadata.newBuilder()
              .setName(name).setFormat(format).setTotalBytes(size).setSha256(sha256))
          .build());
      byte[] buffer = new byte[CHUNK_BYTES];
      long sent = 0;
      int n;
      while (!response.isDone() && (n = in.readNBytes(buffer, 0, buffer.length)) > 0) {
        write(UploadDatasetRequest.newBuilder().setChunk(ByteString.copyFrom(buffer, 0, n)).build());
        sent += n;
        progress.accept(sent);
      }
      if (!response.isDone()) {
        call.onCompleted();
      }
      return response.get();
    } catch (InterruptedException e) {
      call.cancel("upload interrupted", e);
      Thread.currentThread().interrupt();
      throw new AblClientException(Status.Code.CANCELLED, "upload interrupted", e);
    } catch (ExecutionException e) {
      Status status = Status.fromThrowable(e.getCause());
      throw new AblClientException(status.getCode(), status.getDescription(), e.getCause());
    } catch (IOException | RuntimeException e) {
      call.cancel("upload failed on the client", e);
      throw e;
    }
  }

  /** Sends {@code request} once the call can take it without buffering, or drops it once answered. */
  private void write(UploadDatasetRequest request) throws InterruptedException {
    synchronized (ready) {
      while (!call.isReady() && !response.isDone()) {
        ready.wait();
      }
    }
    if (!response.isDone()) {
      call.onNext(request);
    }
  }

  private void wake() {
    synchronized (ready) {
      ready.notifyAll();
    }
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<UploadDatasetRequest> requestStream) {
    call = requestStream;
    requestStream.setOnReadyHandler(this::wake);
  }

  @Override
  public void onNext(Dataset dataset) {
    response.complete(dataset);
  }

  @Override
  public void onError(Throwable t) {
    response.completeExceptionally(t);
    wake();
  }

  @Override
  public void onCompleted() {
    if (!response.isDone()) {
      response.completeExceptionally(
          Status.INTERNAL.withDescription("the server sent no dataset").asRuntimeException());
    }
    wake();
  }

  private static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has SHA-256", e);
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[CHUNK_BYTES];
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** The folder's files, uncompressed (the data is mostly images), paths relative to the folder. */
  private static void zipFolder(Path folder, Path zip) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(folder)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    try (OutputStream raw = Files.newOutputStream(zip);
        ZipOutputStream out = new ZipOutputStream(raw)) {
      out.setLevel(Deflater.NO_COMPRESSION);
      for (Path file : files) {
        out.putNextEntry(new ZipEntry(folder.relativize(file).toString().replace('\\', '/')));
        Files.copy(file, out);
        out.closeEntry();
      }
    }
  }
}
