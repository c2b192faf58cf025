package io.ablserve.server.testing;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Optional;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The server's Prometheus endpoint, scraped over real HTTP (or HTTPS) as Prometheus would. */
public final class PrometheusScrape {
  private static final int TIMEOUT_MS = 10_000;

  private PrometheusScrape() {}

  /**
   * How a scrape reaches the endpoint on 127.0.0.1: over plain HTTP or over TLS trusting {@code tls},
   * with a bearer token or none.
   */
  public record Target(int port, Optional<SSLContext> tls, Optional<String> token) {
    public Target {
      requireNonNull(tls, "tls");
      requireNonNull(token, "token");
    }

    public static Target http(int port) {
      return new Target(port, Optional.empty(), Optional.empty());
    }

    public Target withToken(String bearer) {
      return new Target(port, tls, Optional.of(bearer));
    }

    public Target overTls(SSLContext trust) {
      return new Target(port, Optional.of(trust), token);
    }
  }

  /** The text exposition at {@code http://127.0.0.1:PORT/metrics}; fails unless it answers 200. */
  public static String scrape(int port) {
    return scrape(Target.http(port));
  }

  /** The text exposition at {@code target}; fails unless it answers 200. */
  public static String scrape(Target target) {
    try {
      HttpURLConnection connection = open(target);
      try {
        if (connection.getResponseCode() != 200) {
          throw new AssertionError("metrics answered " + connection.getResponseCode());
        }
        try (InputStream in = connection.getInputStream()) {
          return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      } finally {
        connection.disconnect();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The HTTP status {@code target} answers a scrape with; IOException when no HTTP answer comes. */
  public static int status(Target target) throws IOException {
    HttpURLConnection connection = open(target);
    try {
      return connection.getResponseCode();
    } finally {
      connection.disconnect();
    }
  }

  private static HttpURLConnection open(Target target) throws IOException {
    String scheme = target.tls().isPresent() ? "https" : "http";
    HttpURLConnection connection =
        (HttpURLConnection)
            new URL(scheme + "://127.0.0.1:" + target.port() + "/metrics").openConnection();
    connection.setConnectTimeout(TIMEOUT_MS);
    connection.setReadTimeout(TIMEOUT_MS);
    connection.setUseCaches(false);
    target.token().ifPresent(t -> connection.setRequestProperty("Authorization", "Bearer " + t));
    if (connection instanceof HttpsURLConnection https) {
      https.setSSLSocketFactory(target.tls().orElseThrow().getSocketFactory());
      // The test certificates name *.test.google.fr, not 127.0.0.1; the chain is still checked.
      https.setHostnameVerifier((host, session) -> true);
    }
    return connection;
  }

  /** A TLS context that trusts the PEM certificate(s) in {@code caPem} and nothing else. */
  public static SSLContext trusting(InputStream caPem) {
    try {
      KeyStore roots = KeyStore.getInstance(KeyStore.getDefaultType());
      roots.load(null, null);
      int i = 0;
      for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(caPem)) {
        roots.setCertificateEntry("ca" + i++, cert);
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(roots);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new AssertionError("cannot trust the test CA", e);
    }
  }

  /** The value of the sample line that starts with {@code series}, e.g. {@code foo{state="queued"}}. */
  public static double value(String scrape, String series) {
    return scrape
        .lines()
        .filter(line -> line.startsWith(series + " "))
        .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + series + " in\n" + scrape));
  }

  /** {@link #value} of a fresh scrape. */
  public static double value(int port, String series) {
    return value(scrape(port), series);
  }
}
