package io.ablserve.server.worker;

import com.google.common.util.concurrent.Service;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.config.WorkersConfig;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.lifecycle.DependsOn;
import io.ablserve.server.session.SessionManagerService;
import io.ablserve.server.session.SlotTrainers;

/**
 * Sessions in worker processes ({@code --isolation process}): installed beside the session module, it
 * makes the {@link WorkerPool} the session layer's {@link SlotTrainers}.
 */
public final class WorkerModule extends AbstractModule {

  @Override
  protected void configure() {
    OptionalBinder.newOptionalBinder(binder(), SlotTrainers.class).setBinding().to(WorkerPool.class);
    OptionalBinder.newOptionalBinder(binder(), HopLatency.class)
        .setBinding()
        .toProvider(HopLatency.OfPool.class);
    Multibinder.newSetBinder(binder(), Service.class).addBinding().to(WorkerPool.class);
    // The worker channel listens before sessions are restored, and outlives their runs.
    Multibinder.newSetBinder(binder(), DependsOn.class)
        .addBinding()
        .toInstance(new DependsOn(SessionManagerService.class, WorkerPool.class));
  }

  @Provides
  @Singleton
  WorkerPool workerPool(WorkersConfig workers, ServerConfig config, DatasetCatalog catalog) {
    return new WorkerPool(workers, config.dataDir(), catalog, config.datasetLimits());
  }
}
