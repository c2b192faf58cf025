package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import io.ablserve.server.train.Experiment;
import io.ablserve.v1.SessionConfig;

/** A validated request: what to train, where, and the fully-resolved config echoed to clients. */
public record ResolvedSession(Experiment experiment, Device device, SessionConfig config) {
  public ResolvedSession {
    requireNonNull(experiment, "experiment");
    requireNonNull(device, "device");
    requireNonNull(config, "config");
  }
}
