package io.ablserve.server.metrics;

import static io.ablserve.server.testing.PrometheusScrape.scrape;
import static io.ablserve.server.testing.PrometheusScrape.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.store.InMemoryStoreModule;
import io.ablserve.server.testing.PrometheusScrape;
import io.ablserve.server.testing.PrometheusScrape.Target;
import io.ablserve.server.testing.ScriptedServer;
import io.ablserve.server.testing.TestServer;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.testing.TlsTesting;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Who can reach the Prometheus endpoint: loopback by default, a bearer token and TLS when exposed. */
class MetricsExposureTest {
  private static final String ALICE = "alice-token-0123456789";
  private static final String PROMETHEUS = "prometheus-token-0123456789";

  @TempDir Path dir;
  @RegisterExtension final ScriptedServer scripted = new ScriptedServer();
  private TestServer server;

  private ServerConfig withTokens() throws IOException {
    return withTokens(TestServer.CONFIG);
  }

  private ServerConfig withTokens(ServerConfig config) throws IOException {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, ALICE + " alice admin\n" + PROMETHEUS + " prometheus\n");
    return config.withTokenFile(tokens).withMetricsPort(0);
  }

  private void start(TestServer.Transport transport, ServerConfig config) throws IOException {
    server = scripted.start(transport, config, new InMemoryStoreModule());
  }

  @Test
  void metrics_listenOnLoopbackEvenWhenGrpcIsOpenToTheNetwork() throws Exception {
    ServerConfig c = TestServer.CONFIG;
    start(
        TestServer.Transport.NETTY,
        withTokens(
            new ServerConfig(0, "0.0.0.0", c.dataDir(), "cpu", c.datasetRoots(), c.maxQueuedSessions())));

    assertThat(server.metrics().address())
        .hasValueSatisfying(a -> assertThat(a.getHostAddress()).isEqualTo("127.0.0.1"));
    assertThat(status(Target.http(server.metricsPort()).withToken(PROMETHEUS))).isEqualTo(200);
    Optional<InetAddress> outside = nonLoopbackAddress();
    assumeTrue(outside.isPresent(), "this host has no non-loopback IPv4 address to try");
    ManagedChannel grpc =
        NettyChannelBuilder.forAddress(new InetSocketAddress(outside.get(), server.port()))
            .usePlaintext()
            .build();
    try {
      assertThat(
              HealthGrpc.newBlockingStub(grpc)
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .check(HealthCheckRequest.getDefaultInstance())
                  .getStatus())
          .isEqualTo(ServingStatus.SERVING);
    } finally {
      grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertThatThrownBy(
            () -> {
              try (Socket metrics = new Socket()) {
                metrics.connect(new InetSocketAddress(outside.get(), server.metricsPort()), 5_000);
              }
            })
        .isInstanceOf(ConnectException.class);
  }

  @Test
  void metricsOffLoopbackWithoutTokens_refuseToStart() {
    ServerConfig open = TestServer.CONFIG.withMetricsPort(0).withMetricsBindAddress("0.0.0.0");

    assertThatThrownBy(() -> start(TestServer.Transport.IN_PROCESS, open))
        .rootCause()
        .hasMessageContaining("refusing to serve metrics on 0.0.0.0 without authentication")
        .hasMessageContaining("--token-file");
  }

  @Test
  void withATokenFile_aScrapeNeedsAnyUsersToken() throws Exception {
    start(TestServer.Transport.IN_PROCESS, withTokens().withMetricsBindAddress("0.0.0.0"));
    Target metrics = Target.http(server.metricsPort());

    assertThat(status(metrics)).isEqualTo(401);
    assertThat(status(metrics.withToken("not-a-known-token-at-all"))).isEqualTo(401);
    assertThat(status(metrics.withToken(""))).isEqualTo(401);
    assertThat(scrape(metrics.withToken(PROMETHEUS))).contains("ablserve_queue_length 0");
    assertThat(status(metrics.withToken(ALICE))).isEqualTo(200);
  }

  @Test
  void withTls_metricsSpeakHttpsWithTheSameCertificate() throws Exception {
    start(
        TestServer.Transport.NETTY,
        withTokens().withTls(copy("server1.pem"), copy("server1.key")));
    SSLContext trust;
    try (InputStream ca = TlsTesting.loadCert("ca.pem")) {
      trust = PrometheusScrape.trusting(ca);
    }
    Target https = Target.http(server.metricsPort()).overTls(trust);

    assertThat(server.metrics().url())
        .hasValueSatisfying(u -> assertThat(u).startsWith("https://127.0.0.1:"));
    assertThat(scrape(https.withToken(PROMETHEUS))).contains("ablserve_queue_length 0");
    assertThat(status(https)).isEqualTo(401);
    assertThatThrownBy(() -> status(Target.http(server.metricsPort()).withToken(PROMETHEUS)))
        .isInstanceOf(IOException.class);
  }

  @Test
  void aPkcs1Key_isRefusedWithHowToConvertIt() throws Exception {
    Path key = dir.resolve("rsa.key");
    Files.writeString(key, "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");

    assertThatThrownBy(() -> PemSslContext.load(copy("server1.pem"), key))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("PKCS#8")
        .hasMessageContaining("openssl pkcs8 -topk8");
  }

  private Path copy(String name) throws IOException {
    Path file = dir.resolve(name);
    try (InputStream in = TlsTesting.loadCert(name)) {
      Files.copy(in, file);
    }
    return file;
  }

  private static Optional<InetAddress> nonLoopbackAddress() throws IOException {
    return NetworkInterface.networkInterfaces()
        .filter(
            i -> {
              try {
                return i.isUp() && !i.isLoopback();
              } catch (IOException e) {
                return false;
              }
            })
        .flatMap(NetworkInterface::inetAddresses)
        .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
        .findFirst();
  }
}
