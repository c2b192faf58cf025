package io.ablserve.server.plugin;

import java.util.Map;
import java.util.TreeSet;

/**
 * Looks up the plug-ins a server has, each kind registered by its Guice module through a {@code MapBinder}:
 * defences ({@code DefenseModule}), attacks ({@code AttackModule}), isolation signals ({@code
 * IsolationModule}). A key with none registered is the caller's bad input, named by its API field.
 */
public final class Plugins {
  private Plugins() {}

  /**
   * The plug-in {@code registered} holds for {@code key}; IllegalArgumentException naming {@code field} (the
   * API field that chose it, e.g. {@code abl.defense}) and the keys there are, if none.
   */
  public static <K extends Comparable<K>, V> V lookup(String field, Map<K, V> registered, K key) {
    V plugin = registered.get(key);
    if (plugin == null) {
      throw new IllegalArgumentException(
          field + " must be one of " + new TreeSet<>(registered.keySet()) + ", got " + key);
    }
    return plugin;
  }
}
