package io.ablserve.server.session;

import ai.djl.engine.Engine;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.store.InMemorySessionStore;
import io.ablserve.server.store.SessionStore;
import java.time.Clock;

/** The session lifecycle: store, config resolution and the trainer's queue. Needs a {@link Trainer}. */
public final class SessionModule extends AbstractModule {

  @Override
  protected void configure() {
    bind(SessionStore.class).to(InMemorySessionStore.class).in(Singleton.class);
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
      Trainer trainer,
      ServerConfig config,
      Clock clock) {
    return new SessionManager(resolver, store, trainer, config.maxQueuedSessions(), clock);
  }
}
