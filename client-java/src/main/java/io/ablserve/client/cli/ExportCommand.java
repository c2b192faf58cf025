package io.ablserve.client.cli;

import io.ablserve.client.AblClient;
import io.ablserve.v1.ModelFormat;
import io.ablserve.v1.ModelMetadata;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "export",
    description = "Download a succeeded session's trained model (DJL .params or safetensors, and metadata.json).")
final class ExportCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "ID", description = "Session id, or a unique prefix of it.")
  String sessionId;

  @Option(names = "--out", paramLabel = "DIR", required = true,
      description = "Folder to write the model into; created once the server has a model to send.")
  Path outDir;

  @Option(names = "--format", paramLabel = "djl|safetensors", defaultValue = "djl",
      converter = ChoiceConverter.ModelFormatChoice.class,
      description = "djl: DJL's .params file; safetensors: PyTorch's parameter names, for loading into"
          + " PyTorch (default: ${DEFAULT-VALUE}).")
  ModelFormat format;

  @Override
  int run(AblClient client, PrintWriter out, PrintWriter err) {
    ModelMetadata metadata;
    try {
      metadata = client.exportModel(client.findSession(sessionId).getId(), outDir, format);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write into " + outDir + ": " + e.getMessage(), e);
    }
    out.printf(Locale.ROOT,
        "exported %s (%d bytes) and %s: %s, %dx%dx%d input, %d classes, ca=%.6f asr=%.6f%n",
        outDir.resolve(safetensors() ? metadata.getSafetensorsFile() : metadata.getParamsFile()),
        safetensors() ? metadata.getSafetensorsBytes() : metadata.getParamsBytes(), AblClient.METADATA_FILE,
        metadata.getArch().name().replaceFirst("^MODEL_ARCH_", ""), metadata.getInputChannels(),
        metadata.getInputHeightPx(), metadata.getInputWidthPx(), metadata.getNumClasses(),
        metadata.getCleanAccuracy(), metadata.getAttackSuccessRate());
    return AblCli.EXIT_OK;
  }

  private boolean safetensors() {
    return format == ModelFormat.MODEL_FORMAT_SAFETENSORS;
  }
}
