package io.ablserve.server;

import com.google.inject.AbstractModule;
import com.google.inject.Binder;
import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.MapBinder;
import io.ablserve.server.data.Attack;
import io.ablserve.server.data.AttackKind;
import java.util.Map;

/**
 * The attacks a session may ask for, each an {@link Attack} registered under its {@link AttackKind}: the
 * server's own implementation of every kind ({@link AttackKind#standardAttack}). {@link TrainingModule}
 * installs it; a test overrides one kind's binding, or installs a module of its own in its place.
 */
public final class AttackModule extends AbstractModule {
  /** The attacks registered with {@link #attacks(Binder)}, by kind, as the runner receives them. */
  public static final Key<Map<AttackKind, Attack>> ATTACKS =
      Key.get(new TypeLiteral<Map<AttackKind, Attack>>() {});

  /** A {@link MapBinder} to register attacks with, from this module or a test's. */
  public static MapBinder<AttackKind, Attack> attacks(Binder binder) {
    return MapBinder.newMapBinder(binder, AttackKind.class, Attack.class);
  }

  /** The attacks this module registers, for the processes that poison without an injector: a worker. */
  public static Map<AttackKind, Attack> attacks() {
    return Guice.createInjector(new AttackModule()).getInstance(ATTACKS);
  }

  @Override
  protected void configure() {
    // The kind names its implementation, so that the data layer's own entry points, which cannot see this
    // module, poison with the same attacks as the ones registered here.
    MapBinder<AttackKind, Attack> attacks = attacks(binder());
    for (AttackKind kind : AttackKind.values()) {
      attacks.addBinding(kind).toInstance(kind.standardAttack());
    }
  }
}
