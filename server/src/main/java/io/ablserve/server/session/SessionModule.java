package io.ablserve.server.session;

import ai.djl.engine.Engine;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.store.SessionStore;
import java.time.Clock;

/**
 * The session lifecycle: config resolution and the trainer's queue. Needs a {@link Trainer} and a store
 * module ({@code StoreModule} or {@code InMemoryStoreModule}).
 */
public final class SessionModule extends AbstractModule {

  @Override
  protected void configure() {
    bind(DatasetAccess.class).toInstance(DatasetAccess.OPEN);
    bind(Clock.class).toInstance(Clock.systemUTC());
  }

  @Provides
  @Singleton
  DeviceResolver deviceResolver() {
    // Asked only when a session wants a GPU: loading the engine takes seconds.
    return new DeviceResolver(() -> Engine.getInstance().getGpuCount());
  }

  @Provides
  @Singleton
  SessionConfigResolver sessionConfigResolver(
      DeviceResolver devices,
      ServerConfig config,
      SessionConfigResolver.ExperimentValidator validator) {
    return new SessionConfigResolver(devices, config.defaultDevice(), validator);
  }

  @Provides
  @Singleton
  SessionManager sessionManager(
      SessionConfigResolver resolver,
      SessionStore store,
      DatasetAccess datasets,
      Trainer trainer,
      ServerConfig config,
      Clock clock) {
    return new SessionManager(
        resolver, store, datasets, trainer, config.maxQueuedSessions(), clock);
  }
}
