package io.ablserve.server.metrics;

import io.ablserve.server.api.WatchCounter;
import io.ablserve.server.auth.Principal;
import io.ablserve.server.session.SessionManager;
import io.ablserve.server.worker.HopLatency;
import io.ablserve.v1.DeviceSlot;
import io.ablserve.v1.SessionState;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.SummaryWithCallback;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantiles;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The server's gauges, read from the session layer at scrape time, so nothing on the training path
 * updates a metric: sessions by state, queue length, the running session's images/s, open watches and
 * the events sent to them, and each slot's session and memory.
 */
public final class ServerMetrics {
  private static final Principal METRICS = new Principal("metrics", true);

  private ServerMetrics() {}

  /** Registers the gauges with {@code registry}. */
  public static void register(
      PrometheusRegistry registry, SessionManager sessions, WatchCounter watchers) {
    GaugeWithCallback.builder()
        .name("ablserve_sessions")
        .help("Sessions stored on this server, by state")
        .labelNames("state")
        .callback(
            cb -> {
              Map<SessionState, Integer> counts = sessions.countByState();
              for (SessionState state : SessionState.values()) {
                if (state != SessionState.SESSION_STATE_UNSPECIFIED
                    && state != SessionState.UNRECOGNIZED) {
                  cb.call(
                      counts.getOrDefault(state, 0),
                      state.name().substring("SESSION_STATE_".length()).toLowerCase());
                }
              }
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("ablserve_queue_length")
        .help("Sessions waiting for the trainer")
        .callback(cb -> cb.call(sessions.queueLength()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("ablserve_training_images_per_second")
        .help("Throughput of the running session at its last step report; 0 when none runs")
        .callback(cb -> cb.call(sessions.trainingImagesPerSecond()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("ablserve_active_watchers")
        .help("Open WatchSession streams, stalled ones included, until the transport closes them")
        .callback(cb -> cb.call(watchers.open()))
        .register(registry);
    registry.register(slotGauges(sessions));
    CounterWithCallback.builder()
        .name("ablserve_watch_events_sent")
        .help("Events handed to WatchSession streams; flow control holds back a client that stops reading")
        .callback(cb -> cb.call(watchers.eventsSent()))
        .register(registry);
    CounterWithCallback.builder()
        .name("ablserve_watch_stall_drops")
        .help("WatchSession streams ended because their client did not read for the stall timeout")
        .callback(cb -> cb.call(watchers.stallDrops()))
        .register(registry);
  }

  /** A slot's figure: its Prometheus name, help, and how it is read from the slot as ListDevices shows it. */
  private record SlotFigure(String name, String help, ToDoubleFunction<DeviceSlot> value) {}

  private static final List<SlotFigure> SLOT_FIGURES = List.of(
      new SlotFigure("ablserve_slot_busy", "1 while a session trains on the slot, else 0",
          slot -> slot.getBusy() ? 1 : 0),
      new SlotFigure("ablserve_slot_resident_bytes",
          "Resident memory of the process training on the slot (inline: the server's); 0 when idle",
          DeviceSlot::getResidentBytes),
      new SlotFigure("ablserve_slot_gpu_memory_used_bytes",
          "A GPU slot's device memory in use, every process's, while a session trains there; else 0",
          DeviceSlot::getGpuMemoryUsedBytes),
      new SlotFigure("ablserve_slot_gpu_memory_total_bytes",
          "A GPU slot's device memory, while a session trains there; else 0",
          DeviceSlot::getGpuMemoryTotalBytes));

  /**
   * Each slot's {@link #SLOT_FIGURES}, labelled with its name and device, from one reading of the slots
   * per scrape (as ListDevices shows them to an admin).
   */
  private static MultiCollector slotGauges(SessionManager sessions) {
    return () -> {
      List<DeviceSlot> slots = sessions.slots(METRICS);
      MetricSnapshots.Builder snapshots = MetricSnapshots.builder();
      for (SlotFigure figure : SLOT_FIGURES) {
        GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(figure.name()).help(figure.help());
        for (DeviceSlot slot : slots) {
          gauge.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
              .value(figure.value().applyAsDouble(slot))
              .labels(Labels.of("slot", slot.getName(), "device", slot.getDevice()))
              .build());
        }
        snapshots.metricSnapshot(gauge.build());
      }
      return snapshots.build();
    };
  }

  /**
   * Registers the worker hop's latency with {@code registry}: from a worker sending an event to the
   * control plane handing it to its session, with quantiles over the last events.
   */
  public static void registerWorkerHop(PrometheusRegistry registry, HopLatency hop) {
    SummaryWithCallback.builder()
        .name("ablserve_worker_event_hop_seconds")
        .help("From a worker sending an event to its session logging it (the worker's clock to the"
            + " control plane's); quantiles over the last " + HopLatency.WINDOW + " events")
        .callback(cb -> {
          Quantiles.Builder quantiles = Quantiles.builder();
          for (double q : new double[] {0.5, 0.99}) {
            quantiles.quantile(q, hop.quantileSeconds(q));
          }
          cb.call(hop.count(), hop.sumSeconds(), quantiles.build());
        })
        .register(registry);
  }
}
