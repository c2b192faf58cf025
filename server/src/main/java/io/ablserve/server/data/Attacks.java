package io.ablserve.server.data;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.plugin.Plugins;
import java.util.Map;

/**
 * The attacks a server poisons with, by kind, as its {@code AttackModule} registers them.
 */
public final class Attacks {
  private final Map<AttackKind, Attack> byKind;

  public Attacks(Map<AttackKind, Attack> byKind) {
    this.byKind = Map.copyOf(requireNonNull(byKind, "byKind"));
  }

  /** The attack registered for {@code kind}; IllegalArgumentException, naming the kinds there are, if none. */
  public Attack of(AttackKind kind) {
    return Plugins.lookup("attack.kind", byKind, kind);
  }
}
