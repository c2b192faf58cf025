package io.ablserve.server.auth;

import io.ablserve.server.config.ServerConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** The rule that keeps an unauthenticated server off the network, its metrics endpoint included. */
public final class Exposure {
  private Exposure() {}

  /**
   * Refuses to serve without a token file on anything but a loopback address, where every request would
   * act as user {@code local} for anybody who can reach the port; the same for the metrics endpoint,
   * when it is on.
   */
  public static void check(ServerConfig config) {
    if (config.tokenFile().isPresent()) {
      return;
    }
    if (!isLoopback(config.bindAddress())) {
      throw new IllegalArgumentException(
          "refusing to listen on " + config.bindAddress() + " without authentication: give a token file"
              + " (--token-file or ABLSERVE_TOKEN_FILE), or bind to a loopback address such as 127.0.0.1");
    }
    checkMetrics(config);
  }

  /**
   * Refuses a metrics endpoint on anything but a loopback address without a token file, where anybody
   * who can reach the port could scrape it.
   */
  public static void checkMetrics(ServerConfig config) {
    if (config.metricsPort() < 0 || config.tokenFile().isPresent()) {
      return;
    }
    if (!isLoopback(config.metricsBindAddress())) {
      throw new IllegalArgumentException(
          "refusing to serve metrics on " + config.metricsBindAddress() + " without authentication:"
              + " give a token file (--token-file or ABLSERVE_TOKEN_FILE), or keep --metrics-bind"
              + " (ABLSERVE_METRICS_BIND) on a loopback address such as 127.0.0.1");
    }
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("bind address '" + host + "' does not resolve", e);
    }
  }

  /** One line for the start-up banner on how callers are authenticated. */
  public static String describe(ServerConfig config) {
    String transport = config.tlsCert().isPresent() ? "TLS" : "plaintext";
    return config
        .tokenFile()
        .map(f -> "auth: bearer tokens from " + f + " (" + transport + ")")
        .orElse("auth: none, every request acts as user 'local'; loopback only (" + transport + ")");
  }
}
