package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import io.ablserve.server.train.Experiment;
import io.ablserve.v1.SessionConfig;
import java.util.Optional;

/**
 * A validated request: what to train, where, and the fully-resolved config echoed to clients. The device
 * is empty on a server whose sessions train in worker processes: there the slot a session is given
 * decides it, among the slots its config's device serves.
 */
public record ResolvedSession(Experiment experiment, Optional<Device> device, SessionConfig config) {
  public ResolvedSession {
    requireNonNull(experiment, "experiment");
    requireNonNull(device, "device");
    requireNonNull(config, "config");
  }
}
