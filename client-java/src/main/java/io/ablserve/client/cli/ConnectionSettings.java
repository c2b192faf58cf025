package io.ablserve.client.cli;

import static java.util.Objects.requireNonNull;

import io.ablserve.client.AblClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where and how a command connects, resolved from the options and the environment.
 *
 * @param address the server's {@code host:port}
 * @param deadline of each unary call
 * @param token the bearer token, if any
 * @param tls whether to use TLS
 * @param caCertificates PEM certificate authorities to trust instead of the system's (implies TLS)
 * @param authority the host name to verify the server's certificate against instead of the address's
 */
public record ConnectionSettings(
    String address,
    Duration deadline,
    Optional<String> token,
    boolean tls,
    Optional<Path> caCertificates,
    Optional<String> authority) {

  public ConnectionSettings {
    requireNonNull(address, "address");
    requireNonNull(deadline, "deadline");
    requireNonNull(token, "token");
    requireNonNull(caCertificates, "caCertificates");
    requireNonNull(authority, "authority");
  }

  /** A client on a new channel with these settings. */
  public AblClient connect() {
    AblClient.Builder builder = AblClient.builder(address).deadline(deadline).tls(tls);
    token.ifPresent(builder::token);
    caCertificates.ifPresent(builder::trustedCertificates);
    authority.ifPresent(builder::authority);
    return builder.build();
  }
}
