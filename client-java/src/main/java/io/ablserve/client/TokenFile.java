package io.ablserve.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a bearer token from a file, the way the Python client reads {@code ABLSERVE_TOKEN_FILE}. */
public final class TokenFile {
  private TokenFile() {}

  /**
   * The first token in {@code file}: its first line that is neither blank nor a {@code #} comment, up to
   * the first space. A file of just the token works, and so does the server's own {@code TOKEN USER
   * [admin]} file (compose mounts it into the JupyterLab container). IOException when it holds none.
   */
  public static String firstToken(Path file) throws IOException {
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String stripped = line.strip();
      if (!stripped.isEmpty() && !stripped.startsWith("#")) {
        return stripped.split("\\s+", 2)[0];
      }
    }
    throw new IOException(file + " holds no token");
  }
}
