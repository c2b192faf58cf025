package io.ablserve.server.metrics;

import com.google.common.util.concurrent.AbstractIdleService;
import com.google.common.util.concurrent.Service;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import com.google.inject.multibindings.ProvidesIntoSet;
import com.sun.net.httpserver.HttpsConfigurator;
import io.ablserve.server.api.WatchCounter;
import io.ablserve.server.auth.Exposure;
import io.ablserve.server.auth.TokenFile;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.lifecycle.DependsOn;
import io.ablserve.server.session.SessionManager;
import io.ablserve.server.session.SessionManagerService;
import io.ablserve.server.worker.HopLatency;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Prometheus metrics at {@code /metrics} on the metrics bind address and port, when the port is not -1.
 * It is guarded like the gRPC port: off loopback only with a token file; with one, a scrape needs any
 * user's bearer token (401 otherwise); with TLS configured it speaks HTTPS with the same certificate.
 * It is one of the server's services, started and stopped with it.
 */
public final class MetricsModule extends AbstractModule {

  /**
   * The metrics endpoint, if any, as a service: it listens once started; its port is then the bound one,
   * also when configured as 0.
   */
  public static final class MetricsEndpoint extends AbstractIdleService {
    private final HTTPServer.Builder http;
    private final InetAddress address;
    private final boolean https;
    private volatile HTTPServer server;

    /** An endpoint that {@code http} will build, or none when {@code http} is null. */
    MetricsEndpoint(HTTPServer.Builder http, InetAddress address, boolean https) {
      this.http = http;
      this.address = address;
      this.https = https;
    }

    @Override
    protected void startUp() throws IOException {
      if (http != null) {
        server = http.buildAndStart();
      }
    }

    @Override
    protected void shutDown() {
      if (server != null) {
        server.close();
      }
    }

    public OptionalInt port() {
      HTTPServer listening = server;
      return listening == null ? OptionalInt.empty() : OptionalInt.of(listening.getPort());
    }

    /** The address it listens on. */
    public Optional<InetAddress> address() {
      return Optional.ofNullable(address);
    }

    /** What Prometheus scrapes, such as {@code https://127.0.0.1:9400/metrics}. */
    public Optional<String> url() {
      HTTPServer listening = server;
      if (listening == null) {
        return Optional.empty();
      }
      String host = address.getHostAddress();
      host = host.contains(":") ? "[" + host + "]" : host;
      return Optional.of(
          (https ? "https" : "http") + "://" + host + ":" + listening.getPort() + "/metrics");
    }

    @Override
    protected String serviceName() {
      return "metrics";
    }
  }

  @Override
  protected void configure() {
    // Bound by the worker modules: sessions training inline have no hop to measure.
    OptionalBinder.newOptionalBinder(binder(), HopLatency.class);
    // Scrapes read the sessions: the endpoint stops before they do.
    Multibinder.newSetBinder(binder(), DependsOn.class)
        .addBinding()
        .toInstance(new DependsOn(MetricsEndpoint.class, SessionManagerService.class));
  }

  @Provides
  @Singleton
  PrometheusRegistry registry(
      SessionManager sessions, WatchCounter watchers, Optional<HopLatency> workerHop) {
    // A registry per server, not the process-wide default, so servers in one test JVM do not clash.
    PrometheusRegistry registry = new PrometheusRegistry();
    ServerMetrics.register(registry, sessions, watchers);
    workerHop.ifPresent(hop -> ServerMetrics.registerWorkerHop(registry, hop));
    return registry;
  }

  @Provides
  @Singleton
  MetricsEndpoint endpoint(ServerConfig config, PrometheusRegistry registry) throws IOException {
    if (config.metricsPort() < 0) {
      return new MetricsEndpoint(null, null, false);
    }
    // Here as well as in Main, so a server wired without Main is no more exposed.
    Exposure.checkMetrics(config);
    InetAddress address = InetAddress.getByName(config.metricsBindAddress());
    HTTPServer.Builder http =
        HTTPServer.builder().inetAddress(address).port(config.metricsPort()).registry(registry);
    if (config.tokenFile().isPresent()) {
      // Read again rather than shared with gRPC's interceptor: the two modules stay independent.
      http.authenticator(new BearerTokenAuthenticator(TokenFile.read(config.tokenFile().get())));
    }
    if (config.tlsCert().isPresent()) {
      http.httpsConfigurator(
          new HttpsConfigurator(
              PemSslContext.load(config.tlsCert().get(), config.tlsKey().orElseThrow())));
    }
    return new MetricsEndpoint(http, address, config.tlsCert().isPresent());
  }

  @ProvidesIntoSet
  Service endpointService(MetricsEndpoint endpoint) {
    return endpoint;
  }
}
