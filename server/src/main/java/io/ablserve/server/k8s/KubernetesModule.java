package io.ablserve.server.k8s;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.Service;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import io.ablserve.server.config.KubernetesConfig;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.config.WorkersConfig;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.lifecycle.DependsOn;
import io.ablserve.server.session.SessionManagerService;
import io.ablserve.server.session.SlotTrainers;
import io.ablserve.server.worker.HopLatency;
import io.ablserve.server.worker.WorkerCommand;
import io.ablserve.server.worker.WorkerPool;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.InetSocketAddress;

/**
 * Sessions as Kubernetes Jobs ({@code --isolation kubernetes}): installed beside the session module, it
 * makes a {@link WorkerPool} whose workers are {@link KubernetesJobs} the session layer's {@link
 * SlotTrainers}. The worker channel listens on all interfaces, for the worker pods.
 */
public final class KubernetesModule extends AbstractModule {
  private final KubernetesConfig config;
  // Guice asks again for each binding that needs the pool: fail at once with the first answer, instead of
  // waiting for the API server once per binding.
  private IllegalStateException unreachable;

  public KubernetesModule(KubernetesConfig config) {
    this.config = requireNonNull(config, "config");
  }

  @Override
  protected void configure() {
    bind(KubernetesConfig.class).toInstance(config);
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

  /** The in-cluster client (the pod's service account), or the one ~/.kube/config describes. */
  @Provides
  @Singleton
  KubernetesClient kubernetesClient() {
    return new KubernetesClientBuilder().build();
  }

  @Provides
  @Singleton
  WorkerPool workerPool(
      WorkersConfig workers, ServerConfig server, DatasetCatalog catalog, KubernetesClient client) {
    // An admitted Job's pod may pull an image of gigabytes before its JVM says hello.
    WorkersConfig jobs =
        new WorkersConfig(
            workers.isolation(), workers.slots(), workers.heartbeatTimeout(), config.startTimeout(),
            workers.workerJvmOptions(), workers.maxCrashResumes(), workers.keepalive());
    if (unreachable != null) {
      throw unreachable;
    }
    KubernetesJobs launcher;
    try {
      launcher = new KubernetesJobs(
          client, config, server.dataDir(), WorkerCommand.configuredOptions(workers));
    } catch (IllegalStateException e) {
      unreachable = e;
      throw e;
    }
    return new WorkerPool(
        jobs, server.dataDir(), catalog, server.datasetLimits(), new InetSocketAddress(config.workerPort()),
        launcher);
  }
}
