package io.ablserve.server.auth;

import io.ablserve.server.config.ServerConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** The rule that keeps an unauthenticated server off the network. */
public final class Exposure {
  private Exposure() {}

  /**
   * Refuses to serve without a token file on anything but a loopback address, where every request would
   * act as user {@code local} for anybody who can reach the port.
   */
  public static void check(ServerConfig config) {
    if (config.tokenFile().isPresent()) {
      return;
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(config.bindAddress());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("bind address '" + config.bindAddress() + "' does not resolve", e);
    }
    if (!address.isLoopbackAddress()) {
      throw new IllegalArgumentException(
          "refusing to listen on " + config.bindAddress() + " without authentication: give a token file"
              + " (--token-file or ABLSERVE_TOKEN_FILE), or bind to a loopback address such as 127.0.0.1");
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
