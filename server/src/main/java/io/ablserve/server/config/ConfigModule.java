package io.ablserve.server.config;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;

/** Binds the process's {@link ServerConfig} and {@link WorkersConfig}. */
public final class ConfigModule extends AbstractModule {
  private final ServerConfig config;
  private final WorkersConfig workers;

  public ConfigModule(ServerConfig config) {
    this(config, WorkersConfig.DEFAULTS);
  }

  public ConfigModule(ServerConfig config, WorkersConfig workers) {
    this.config = requireNonNull(config, "config");
    this.workers = requireNonNull(workers, "workers");
  }

  @Override
  protected void configure() {
    bind(ServerConfig.class).toInstance(config);
    bind(WorkersConfig.class).toInstance(workers);
  }
}
