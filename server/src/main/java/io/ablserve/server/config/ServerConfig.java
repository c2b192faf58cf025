package io.ablserve.server.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * How one server process runs. {@link #DEFAULTS} is the one place the defaults live; the command line and
 * the {@code ABLSERVE_*} environment variables override them field by field.
 *
 * @param port TCP port to listen on, in [0, 65535]; 0 picks any free port (the real one is printed).
 *     Default 50051, the usual gRPC port.
 * @param bindAddress address to listen on. Default {@code 127.0.0.1}: training is not for the open network.
 * @param dataDir where the server keeps its own files (the session store). Default
 *     {@code ${user.home}/.ablserve}.
 * @param defaultDevice device for sessions that name none: {@code cpu}, {@code gpu} or {@code gpu:N}.
 *     Default {@code cpu}.
 * @param datasetRoots dataset name to a folder in a layout the dataset catalog recognises (IDX, CIFAR-10,
 *     GTSRB, npz, ImageFolder). Default
 *     {@code fashion-mnist -> /usr/share/datasets/fashion-mnist}.
 * @param maxQueuedSessions sessions that may wait for the trainer; one more is refused with
 *     RESOURCE_EXHAUSTED. Default 100.
 */
public record ServerConfig(
    int port,
    String bindAddress,
    Path dataDir,
    String defaultDevice,
    Map<String, Path> datasetRoots,
    int maxQueuedSessions) {

  public static final ServerConfig DEFAULTS =
      new ServerConfig(
          50051,
          "127.0.0.1",
          Path.of(System.getProperty("user.home"), ".ablserve"),
          "cpu",
          Map.of("fashion-mnist", Path.of("/usr/share/datasets/fashion-mnist")),
          100);

  public ServerConfig {
    requireNonNull(bindAddress, "bindAddress");
    requireNonNull(dataDir, "dataDir");
    requireNonNull(defaultDevice, "defaultDevice");
    requireNonNull(datasetRoots, "datasetRoots");
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
    }
    if (bindAddress.isBlank()) {
      throw new IllegalArgumentException("bind address must not be blank");
    }
    if (defaultDevice.isBlank()) {
      throw new IllegalArgumentException("default device must not be blank");
    }
    if (maxQueuedSessions < 1) {
      throw new IllegalArgumentException(
          "max queued sessions must be >= 1, got " + maxQueuedSessions);
    }
    datasetRoots = Collections.unmodifiableMap(new TreeMap<>(datasetRoots));
  }
}
