package io.ablserve.client;

import com.google.inject.Guice;
import io.ablserve.server.TrainingModule;
import io.ablserve.server.api.AblServer;
import io.ablserve.server.api.GrpcServerModule;
import io.ablserve.server.config.ConfigModule;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.metrics.MetricsModule;
import io.ablserve.server.session.SessionModule;
import io.ablserve.server.store.StoreModule;
import io.grpc.testing.TlsTesting;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The real server, wired as its {@code Main} wires it (Netty on a free port, the SQLite store, DJL
 * training), in this JVM, with a token file and TLS: what a lab's shared server runs.
 */
public final class RealServer implements AutoCloseable {
  public static final String ALICE_TOKEN = "alice-token-0123456789";
  public static final String BOB_TOKEN = "bob-token-0123456789";
  /** A name {@link TlsTesting}'s server certificate carries; 127.0.0.1 is not one. */
  public static final String AUTHORITY = "foo.test.google.fr";

  private final AblServer server;
  public final Path tokens;
  public final Path caCertificate;

  private RealServer(AblServer server, Path tokens, Path caCertificate) {
    this.server = server;
    this.tokens = tokens;
    this.caCertificate = caCertificate;
  }

  /** Starts a server keeping its files under {@code dir}. */
  public static RealServer start(Path dir) throws IOException {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "# lab users\n" + ALICE_TOKEN + " alice\n" + BOB_TOKEN + " bob\n");
    Path cert = copy(dir, "server1.pem");
    Path key = copy(dir, "server1.key");
    Path ca = copy(dir, "ca.pem");
    ServerConfig d = ServerConfig.DEFAULTS;
    // Two empty configured datasets beside fashion-mnist: the configured ones take two pages too.
    Map<String, Path> roots = new TreeMap<>(d.datasetRoots());
    roots.put("paging-a", Files.createDirectories(dir.resolve("paging-a")));
    roots.put("paging-b", Files.createDirectories(dir.resolve("paging-b")));
    ServerConfig config =
        new ServerConfig(0, "127.0.0.1", dir.resolve("data"), "cpu", roots, 10)
            .withTokenFile(tokens)
            .withTls(cert, key)
            // Pages of 2, so that every listing of more than two takes the clients through pages.
            .withApi(d.api().withPageSizes(2, 2));
    AblServer server =
        Guice.createInjector(
                new ConfigModule(config), new GrpcServerModule(), new SessionModule(),
                new StoreModule(), new MetricsModule(), new TrainingModule())
            .getInstance(AblServer.class)
            .start();
    return new RealServer(server, tokens, ca);
  }

  public String address() {
    return "127.0.0.1:" + server.port();
  }

  private static Path copy(Path dir, String name) throws IOException {
    Path file = dir.resolve(name);
    try (InputStream in = TlsTesting.loadCert(name)) {
      Files.copy(in, file);
    }
    return file;
  }

  @Override
  public void close() throws InterruptedException {
    server.close();
  }
}
