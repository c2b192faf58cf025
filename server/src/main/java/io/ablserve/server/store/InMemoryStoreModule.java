package io.ablserve.server.store;

import com.google.common.util.concurrent.Service;
import com.google.inject.AbstractModule;
import com.google.inject.Singleton;
import com.google.inject.multibindings.Multibinder;

/** Heap-only stores in place of {@link StoreModule}: everything is lost with the process. */
public final class InMemoryStoreModule extends AbstractModule {
  @Override
  protected void configure() {
    bind(SessionStore.class).to(InMemorySessionStore.class).in(Singleton.class);
    bind(DatasetStore.class).to(InMemoryDatasetStore.class).in(Singleton.class);
    Multibinder.newSetBinder(binder(), AutoCloseable.class);
    Multibinder.newSetBinder(binder(), Service.class);
  }
}
