package io.ablserve.server.config;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;

/** Binds the process's {@link ServerConfig}. */
public final class ConfigModule extends AbstractModule {
  private final ServerConfig config;

  public ConfigModule(ServerConfig config) {
    this.config = requireNonNull(config, "config");
  }

  @Override
  protected void configure() {
    bind(ServerConfig.class).toInstance(config);
  }
}
