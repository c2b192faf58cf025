package io.ablserve.client.cli;

import io.ablserve.client.AblClient;
import io.ablserve.v1.GetSampleImagesRequest;
import io.ablserve.v1.GetSampleImagesResponse;
import io.ablserve.v1.SampleImage;
import io.ablserve.v1.SampleSet;
import io.ablserve.v1.Session;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * Writes a grid of a session's samples, as the server renders them, to a PNG file and prints one line per
 * sample (its place in the grid, index, labels, poisoned flag, loss): the picture the Python client's
 * {@code isolation().show()} draws.
 */
@Command(
    name = "thumbnails",
    description = "Write a grid of a session's samples (PNG thumbnails from the server) to a PNG file.")
final class ThumbnailsCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "ID", description = "Session id, or a unique prefix of it.")
  String sessionId;

  @Option(names = "--png", paramLabel = "FILE", required = true,
      description = "The PNG file to write the grid to.")
  Path png;

  @Option(names = "--set", paramLabel = "SET", defaultValue = "isolated",
      description = "isolated (D_b as ascended), suspects, ranked (the ranking's pick), class (with"
          + " --label) or test (clean and triggered test images side by side). Default: ${DEFAULT-VALUE}.")
  String set;

  @Option(names = "--label", paramLabel = "CLASS", description = "The class, for --set class.")
  Integer label;

  @Option(names = "--max", paramLabel = "N", defaultValue = "64",
      description = "At most N samples, in [1, 256]. Default: ${DEFAULT-VALUE}.")
  int max;

  @Option(names = "--columns", paramLabel = "N", defaultValue = "8",
      description = "Grid width in cells. Default: ${DEFAULT-VALUE}.")
  int columns;

  @Option(names = "--scale", paramLabel = "N", defaultValue = "3",
      description = "Each image N times its size, in [1, 16]. Default: ${DEFAULT-VALUE}.")
  int scale;

  @Override
  int run(AblClient client, PrintWriter out, PrintWriter err) {
    if (max < 1 || max > 256) {
      throw new ParameterException(spec.commandLine(), "--max must be in [1, 256], got " + max);
    }
    if (columns < 1 || scale < 1 || scale > 16) {
      throw new ParameterException(
          spec.commandLine(), "--columns must be >= 1 and --scale in [1, 16]");
    }
    SampleSet sampleSet = sampleSet();
    if (sampleSet == SampleSet.SAMPLE_SET_CLASS && label == null) {
      throw new ParameterException(spec.commandLine(), "--set class needs --label CLASS");
    }
    Session session = client.findSession(sessionId);
    GetSampleImagesRequest.Builder request =
        GetSampleImagesRequest.newBuilder()
            .setSessionId(session.getId())
            .setSet(sampleSet)
            .setMaxImages(max);
    if (label != null) {
      request.setLabel(label);
    }
    GetSampleImagesResponse response = client.getSampleImages(request.build());
    if (response.getImagesCount() == 0) {
      err.println("the " + set + " set of session " + session.getId() + " is empty: nothing written");
      return AblCli.EXIT_OK;
    }
    boolean pairs = sampleSet == SampleSet.SAMPLE_SET_TEST;
    List<SampleImage> cells = new ArrayList<>();
    for (SampleImage sample : response.getImagesList()) {
      if (pairs && !sample.getCleanPng().isEmpty()) {
        cells.add(sample.toBuilder().setPng(sample.getCleanPng()).setPoisoned(false).build());
      }
      cells.add(sample);
    }
    try {
      ImageIO.write(SampleGrid.draw(cells, pairs ? 2 * Math.max(1, columns / 2) : columns, scale),
          "png", png.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + png + ": " + e.getMessage(), e);
    }
    out.printf(Locale.ROOT, "wrote %s: %d of %d %s samples of session %s (red frame: poisoned)%n",
        png, response.getImagesCount(), response.getTotalCount(), set, session.getId());
    for (int i = 0; i < response.getImagesCount(); i++) {
      SampleImage s = response.getImages(i);
      out.printf(Locale.ROOT, "%d index=%d label=%d true_label=%d poisoned=%b loss=%s%n",
          i, s.getIndex(), s.getLabel(), s.getTrueLabel(), s.getPoisoned(),
          s.hasLoss() ? String.format(Locale.ROOT, "%.4f", s.getLoss()) : "-");
    }
    return AblCli.EXIT_OK;
  }

  private SampleSet sampleSet() {
    return switch (set.toLowerCase(Locale.ROOT)) {
      case "isolated" -> SampleSet.SAMPLE_SET_ISOLATED;
      case "suspects" -> SampleSet.SAMPLE_SET_SUSPECTS;
      case "ranked" -> SampleSet.SAMPLE_SET_RANKED;
      case "class" -> SampleSet.SAMPLE_SET_CLASS;
      case "test" -> SampleSet.SAMPLE_SET_TEST;
      default -> throw new ParameterException(spec.commandLine(),
          "--set must be one of isolated, suspects, ranked, class, test, got '" + set + "'");
    };
  }
}
