package io.ablserve.server.session;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.google.common.util.concurrent.Service;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import io.ablserve.server.config.Isolation;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.config.SlotSpec;
import io.ablserve.server.config.WorkersConfig;
import io.ablserve.server.data.Attack;
import io.ablserve.server.data.AttackKind;
import io.ablserve.server.data.Attacks;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.lifecycle.DependsOn;
import io.ablserve.server.store.DatasetStore;
import io.ablserve.server.store.SessionStore;
import io.ablserve.server.store.StoreWriter;
import io.ablserve.v1.SessionConfig;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The session lifecycle: config resolution, the trainer's queue, uploaded datasets and the results
 * (saved models) of finished sessions. Needs a {@link
 * Trainer}, a {@link DatasetCatalog}, the attacks by kind ({@code AttackModule}) and a store module
 * ({@code StoreModule} or {@code InMemoryStoreModule}).
 */
public final class SessionModule extends AbstractModule {

  @Override
  protected void configure() {
    bind(Clock.class).toInstance(Clock.systemUTC());
    // Set by the worker module (--isolation process) or the Kubernetes module (--isolation kubernetes);
    // unset, sessions train in this process.
    OptionalBinder.newOptionalBinder(binder(), SlotTrainers.class);
    bind(SessionManagerService.class).in(Singleton.class);
    Multibinder.newSetBinder(binder(), Service.class).addBinding().to(SessionManagerService.class);
    // Restoring sessions writes, and so does stopping them (INTERRUPTED): the writer outlives both.
    Multibinder.newSetBinder(binder(), DependsOn.class)
        .addBinding()
        .toInstance(new DependsOn(SessionManagerService.class, StoreWriter.class));
  }

  @Provides
  @Singleton
  DeviceResolver deviceResolver() {
    // Asked only when a session wants a GPU: loading the engine takes seconds.
    return new DeviceResolver(() -> Engine.getInstance().getGpuCount());
  }

  /**
   * The attacks the training core registers ({@code AttackModule}), so that a session is checked, sampled
   * and evaluated with the attack it trains with.
   */
  @Provides
  @Singleton
  Attacks attacks(Map<AttackKind, Attack> byKind) {
    return new Attacks(byKind);
  }

  @Provides
  @Singleton
  SessionConfigResolver sessionConfigResolver(
      DeviceResolver devices,
      ServerConfig config,
      WorkersConfig workers,
      List<SlotSpec> slots,
      SessionConfigResolver.ExperimentValidator validator,
      DatasetCatalog catalog,
      Attacks attacks) {
    DatasetFit fit = new DatasetFit(catalog, attacks);
    return new SessionConfigResolver(
        devices,
        config.defaultDevice(),
        workers.isolation() == Isolation.INLINE ? List.of() : slots, // else the slot decides
        experiment -> {
          validator.validate(experiment);
          fit.validate(experiment);
        },
        catalog::describe);
  }

  /**
   * Uploads are open to their owners; another user's is refused exactly as an unknown name is, so that
   * a refusal does not tell that the dataset exists.
   */
  @Provides
  @Singleton
  DatasetAccess datasetAccess(UploadedDatasets uploads, DatasetCatalog catalog) {
    return (name, caller) -> {
      try {
        uploads.checkUsable(name, caller);
      } catch (IllegalArgumentException e) {
        throw catalog.unknown(name);
      }
    };
  }

  @Provides
  @Singleton
  StoreHealth storeHealth() {
    return new StoreHealth();
  }

  @Provides
  @Singleton
  StorageGuard storageGuard(ServerConfig config, StoreHealth health) {
    return new StorageGuard(config.dataDir(), config.minFreeBytes(), health);
  }

  @Provides
  @Singleton
  UploadedDatasets uploadedDatasets(
      DatasetStore store,
      DatasetCatalog catalog,
      ServerConfig config,
      StoreHealth health,
      StorageGuard storage,
      Clock clock)
      throws IOException {
    return new UploadedDatasets(health.tracking(store), catalog, config, storage, clock);
  }

  @Provides
  @Singleton
  SavedModels savedModels(ServerConfig config) {
    return new SavedModels(config.dataDir());
  }

  /** The device slots sessions train on: {@code --slots}, or the defaults for the isolation. */
  @Provides
  @Singleton
  List<SlotSpec> slots(WorkersConfig workers, ServerConfig config) {
    // GPUs are counted only for a process server with default slots or GPU slots: counting loads the
    // engine. A Kubernetes server's GPUs are its nodes', not this host's.
    boolean process = workers.isolation() == Isolation.PROCESS;
    boolean gpuSlots = workers.slots().stream().anyMatch(SlotSpec::isGpu);
    int gpus = process && (workers.slots().isEmpty() || gpuSlots) ? Engine.getInstance().getGpuCount() : 0;
    List<SlotSpec> slots = workers.resolveSlots(gpus, config.defaultDevice());
    if (process && gpuSlots) {
      // Its workers share this host's engine: a GPU it does not see would fail every session on the
      // slot with the engine's own error, deep in its first step.
      for (SlotSpec slot : slots) {
        if (slot.isGpu() && slot.gpuIndex() >= gpus) {
          throw new IllegalArgumentException(
              "--slots names " + slot.device() + " but the engine sees " + gpus + " GPU(s) on this host"
                  + (gpus == 0 ? " (CPU-only natives, or no CUDA device visible)" : "")
                  + ": name the GPUs it sees, or cpu slots");
        }
      }
    }
    return slots;
  }

  @Provides
  @Singleton
  SessionManager sessionManager(
      SessionConfigResolver resolver,
      List<SlotSpec> slots,
      SessionStore store,
      DatasetAccess datasets,
      UploadedDatasets uploads,
      Trainer trainer,
      Optional<SlotTrainers> isolated,
      SavedModels models,
      ServerConfig config,
      WorkersConfig workers,
      StoreHealth health,
      StorageGuard storage,
      Clock clock) {
    SlotTrainers trainers =
        workers.isolation() != Isolation.INLINE
            ? isolated.orElseThrow(() -> new IllegalStateException(
                "--isolation " + workers.isolation().name().toLowerCase(java.util.Locale.ROOT)
                    + " needs its module installed (WorkerModule, KubernetesModule)"))
            : SlotTrainers.inline(trainer);
    return new SessionManager(
        resolver, store, datasets, uploads, trainers, slots, workers.maxCrashResumes(), models,
        config.maxQueuedSessions(),
        config.queuedPerUserLimit(), config.dataDir(), config.resumeInterrupted(), health, storage,
        config.api(), clock);
  }

  @Provides
  @Singleton
  SessionResults sessionResults(
      SessionManager sessions,
      SavedModels models,
      DatasetAccess datasets,
      DatasetCatalog catalog,
      DeviceResolver devices,
      Attacks attacks,
      ServerConfig config,
      WorkersConfig workers) {
    // Models are evaluated in this process: on the device a session trained on here, or on this
    // server's --device where the sessions trained on slots of their own (maybe GPUs this host lacks).
    Function<SessionConfig, Device> device =
        workers.isolation() == Isolation.INLINE
            ? session -> devices.resolve(session.getDevice())
            : session -> devices.resolve(config.defaultDevice());
    return new SessionResults(sessions, models, datasets, catalog, device, attacks, config.dataDir());
  }

  @Provides
  @Singleton
  SessionSamples sessionSamples(
      SessionManager sessions,
      SessionResults results,
      DatasetAccess datasets,
      DatasetCatalog catalog,
      Attacks attacks,
      ServerConfig config) {
    return new SessionSamples(sessions, results, datasets, catalog, attacks, config.dataDir());
  }

  @Provides
  @Singleton
  ConfiguredDatasets configuredDatasets(DatasetCatalog catalog) {
    return new ConfiguredDatasets(catalog);
  }
}
