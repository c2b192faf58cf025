package io.ablserve.server.metrics;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.ProvidesIntoSet;
import io.ablserve.server.api.WatchCounter;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.session.SessionManager;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.util.OptionalInt;

/**
 * Prometheus metrics over HTTP at {@code http://<bind address>:<metrics port>/metrics}, when the metrics
 * port is not -1. The endpoint has no authentication: it shows counts and rates, nothing of anyone's
 * sessions. The server closes it on stop.
 */
public final class MetricsModule extends AbstractModule {

  /** The metrics endpoint, if any; its port is the bound one, also when configured as 0. */
  public static final class MetricsEndpoint implements AutoCloseable {
    private final HTTPServer server;

    MetricsEndpoint(HTTPServer server) {
      this.server = server;
    }

    public OptionalInt port() {
      return server == null ? OptionalInt.empty() : OptionalInt.of(server.getPort());
    }

    @Override
    public void close() {
      if (server != null) {
        server.close();
      }
    }
  }

  @Provides
  @Singleton
  PrometheusRegistry registry(SessionManager sessions, WatchCounter watchers) {
    // A registry per server, not the process-wide default, so servers in one test JVM do not clash.
    PrometheusRegistry registry = new PrometheusRegistry();
    ServerMetrics.register(registry, sessions, watchers);
    return registry;
  }

  @Provides
  @Singleton
  MetricsEndpoint endpoint(ServerConfig config, PrometheusRegistry registry) throws IOException {
    if (config.metricsPort() < 0) {
      return new MetricsEndpoint(null);
    }
    return new MetricsEndpoint(
        HTTPServer.builder()
            .hostname(config.bindAddress())
            .port(config.metricsPort())
            .registry(registry)
            .buildAndStart());
  }

  @ProvidesIntoSet
  AutoCloseable closeEndpoint(MetricsEndpoint endpoint) {
    return endpoint;
  }
}
