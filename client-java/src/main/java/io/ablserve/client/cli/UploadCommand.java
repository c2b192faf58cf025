package io.ablserve.client.cli;

import io.ablserve.client.AblClient;
import io.ablserve.v1.Dataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Prints one line for scripts: {@code dataset id=... name=... layout=... train=... test=...}. */
@Command(
    name = "upload",
    description = {
      "Upload a dataset to train sessions on (run --dataset ID).",
      "PATH: an .npz with x_train, y_train, x_test and y_test; a .zip of a dataset folder; or the",
      "folder itself (IDX, CIFAR-10, GTSRB, npz or ImageFolder layout), zipped on the fly.",
      "Sent in 1 MiB chunks with its SHA-256, which the server checks; no deadline."
    })
final class UploadCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "PATH", description = "File or folder to upload.")
  Path path;

  @Option(names = "--name", paramLabel = "NAME",
      description = "Name shown in listings (default: the file or folder name).")
  String name;

  @Option(names = "--no-progress",
      description = "No progress bar, even on a terminal (there is none when stderr is not one).")
  boolean noProgress;

  @Override
  int run(AblClient client, PrintWriter out, PrintWriter err) {
    String shown = name != null ? name : path.toAbsolutePath().normalize().getFileName().toString();
    Dataset dataset;
    try (Progress progress = progressBar(noProgress) ? new Progress(err, path, shown) : null) {
      dataset = client.uploadDataset(path, shown, progress == null ? sent -> {} : progress);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
    }
    out.println(ReportFormat.datasetLine(dataset));
    return AblCli.EXIT_OK;
  }

  /** Bytes sent, on stderr; the total of a folder is its files' size, close to the zip's. */
  private static final class Progress implements LongConsumer, AutoCloseable {
    private final ProgressBar bar;

    Progress(PrintWriter err, Path path, String name) throws IOException {
      bar = new ProgressBarBuilder()
          .setTaskName("upload " + name)
          .setInitialMax(size(path))
          .setUnit(" MB", 1_000_000)
          .setStyle(ProgressBarStyle.ASCII)
          .setConsumer(new DelegatingProgressBarConsumer(line -> {
            err.print('\r' + line);
            err.flush();
          }, 100))
          .build();
    }

    private static long size(Path path) throws IOException {
      if (!Files.isDirectory(path)) {
        return Files.size(path);
      }
      try (var files = Files.walk(path)) {
        long total = 0;
        for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
          total += Files.size(file);
        }
        return total;
      }
    }

    @Override
    public void accept(long sent) {
      bar.maxHint(Math.max(bar.getMax(), sent));
      bar.stepTo(sent);
    }

    @Override
    public void close() {
      bar.close();
    }
  }
}
