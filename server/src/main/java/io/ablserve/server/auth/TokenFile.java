package io.ablserve.server.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The users of a server: a text file with one {@code TOKEN USER [admin]} per line; blank lines and lines
 * starting with {@code #} are ignored. Tokens are at least {@value #MIN_TOKEN_CHARS} characters (e.g.
 * {@code openssl rand -hex 32}). Only their SHA-256 is kept, and looked up by it, so that neither a heap
 * dump nor the timing of a lookup tells a token.
 */
public final class TokenFile {
  static final int MIN_TOKEN_CHARS = 16;

  private final Map<String, Principal> byTokenHash;

  private TokenFile(Map<String, Principal> byTokenHash) {
    this.byTokenHash = Map.copyOf(byTokenHash);
  }

  /** Reads {@code file}; IOException names the line that is wrong. */
  public static TokenFile read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    Map<String, Principal> users = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = file + " line " + (i + 1);
      String[] fields = line.split("\\s+");
      if (fields.length < 2 || fields.length > 3) {
        throw new IOException(where + ": expected 'TOKEN USER [admin]', got " + fields.length + " fields");
      }
      if (fields[0].length() < MIN_TOKEN_CHARS) {
        throw new IOException(where + ": token must have at least " + MIN_TOKEN_CHARS + " characters");
      }
      boolean admin = fields.length == 3;
      if (admin && !fields[2].equals("admin")) {
        throw new IOException(where + ": third field must be 'admin', got '" + fields[2] + "'");
      }
      if (users.put(hash(fields[0]), new Principal(fields[1], admin)) != null) {
        throw new IOException(where + ": token repeats an earlier line's");
      }
    }
    if (users.isEmpty()) {
      throw new IOException(file + " has no users; every request would be refused");
    }
    return new TokenFile(users);
  }

  /** The user a bearer token stands for. */
  public Optional<Principal> lookUp(String token) {
    return Optional.ofNullable(byTokenHash.get(hash(token)));
  }

  public int size() {
    return byTokenHash.size();
  }

  private static String hash(String token) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha256.digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has SHA-256", e);
    }
  }
}
