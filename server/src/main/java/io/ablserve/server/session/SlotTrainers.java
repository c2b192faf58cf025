package io.ablserve.server.session;

import io.ablserve.server.config.SlotSpec;
import io.ablserve.v1.SessionConfig;
import java.util.function.BooleanSupplier;

/**
 * The trainer of one session on one device slot: the server's own {@link Trainer} when sessions train
 * inline, or one that runs the session in a worker process pinned to the slot.
 */
public interface SlotTrainers {

  /** The trainer for session {@code sessionId}, resolved as {@code config}, on {@code slot}. */
  Trainer on(SlotSpec slot, String sessionId, SessionConfig config);

  /**
   * True when a session's worker may wait outside ablserve before it runs (a Job that Kueue has not
   * admitted yet): its session then stays QUEUED until the trainer of {@link #on(SlotSpec, String,
   * SessionConfig, BooleanSupplier)} says it is admitted.
   */
  default boolean startsWhenAdmitted() {
    return false;
  }

  /**
   * As {@link #on(SlotSpec, String, SessionConfig)}, for trainers that {@link #startsWhenAdmitted}: the
   * trainer calls {@code admitted} once, when the worker may run and before it reports anything; false
   * means the session was cancelled meanwhile, and the trainer stops.
   */
  default Trainer on(
      SlotSpec slot, String sessionId, SessionConfig config, BooleanSupplier admitted) {
    return on(slot, sessionId, config);
  }

  /**
   * True when sessions train in processes of their own: each then trains on its slot's device, and the
   * trainer saves the model itself (the {@link io.ablserve.server.train.ModelSink} it is given is unused).
   */
  default boolean isolated() {
    return false;
  }

  /**
   * How sessions train, as ListDevices names it: {@code inline} (in this process), {@code process} (a
   * worker process per session) or what another launcher says ({@code kubernetes}).
   */
  default String isolation() {
    return isolated() ? "process" : "inline";
  }

  /**
   * {@code slot} as its sessions get it: a Kubernetes slot that names no thread count trains with the
   * CPUs its Job requests. The slot itself when configured as run.
   */
  default SlotSpec asRun(SlotSpec slot) {
    return slot;
  }

  /** The process id of the worker training on {@code slot}; 0 when none does. */
  default long workerPid(SlotSpec slot) {
    return 0;
  }

  /**
   * The memory of the process training on {@code slot} while a session does; {@link SlotMemory#NONE}
   * when none does. Inline: this process's, on the device the session trains on.
   */
  default SlotMemory memory(SlotSpec slot, ai.djl.Device device) {
    return SlotMemory.sample(device);
  }

  /** Stops what the trainers hold open (worker processes, their channel); called once, at shutdown. */
  default void close() {}

  /** Every session in this process, with {@code trainer}. */
  static SlotTrainers inline(Trainer trainer) {
    return (slot, sessionId, config) -> trainer;
  }
}
