package io.ablserve.server.store;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The heap stores' request ids: (owner, request id) to the id of what it created. Not thread-safe. */
final class HeapRequestIds {
  private final Map<String, String> created = new HashMap<>();

  Optional<String> find(String owner, String requestId) {
    return Optional.ofNullable(created.get(key(owner, requestId)));
  }

  String remember(String owner, String requestId, String resourceId) {
    return created.computeIfAbsent(key(owner, requestId), k -> resourceId);
  }

  void forget(String resourceId) {
    created.values().removeIf(resourceId::equals);
  }

  private static String key(String owner, String requestId) {
    return owner + '\n' + requestId;
  }
}
