package io.ablserve.server.lifecycle;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.Service;

/**
 * {@code dependent} starts once {@code dependency} is running and stops before it stops. Bound into a
 * {@code Multibinder<DependsOn>} by the module that knows both; an edge to a service not bound (the heap
 * store has no writer) is ignored.
 */
public record DependsOn(Class<? extends Service> dependent, Class<? extends Service> dependency) {
  public DependsOn {
    requireNonNull(dependent, "dependent");
    requireNonNull(dependency, "dependency");
  }
}
