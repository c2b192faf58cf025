package io.ablserve.server;

import com.google.inject.AbstractModule;
import com.google.inject.Binder;
import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.MapBinder;
import io.ablserve.server.train.IsolationSignal;
import io.ablserve.server.train.SignalScorer;
import java.util.Map;

/**
 * The isolation signals ABL may rank the training samples by at its turn, each a {@link SignalScorer}
 * registered under its {@link IsolationSignal}: the server's own scorer of every signal ({@link
 * IsolationSignal#standardScorer}). {@link TrainingModule} installs it, as {@link DefenseModule#strategies}
 * does; a test installs a module of its own in its place.
 */
public final class IsolationModule extends AbstractModule {
  /** The scorers registered with {@link #signals(Binder)}, by signal, as ABL receives them. */
  public static final Key<Map<IsolationSignal, SignalScorer>> SCORERS =
      Key.get(new TypeLiteral<Map<IsolationSignal, SignalScorer>>() {});

  /** A {@link MapBinder} to register scorers with, from this module or a test's. */
  public static MapBinder<IsolationSignal, SignalScorer> signals(Binder binder) {
    return MapBinder.newMapBinder(binder, IsolationSignal.class, SignalScorer.class);
  }

  /** The scorers this module registers, for the processes that rank without an injector: the bench. */
  public static Map<IsolationSignal, SignalScorer> scorers() {
    return Guice.createInjector(new IsolationModule()).getInstance(SCORERS);
  }

  @Override
  protected void configure() {
    // The signal names its scorer, so that a new signal is its enum constant and its class, and this
    // module registers it unedited.
    MapBinder<IsolationSignal, SignalScorer> signals = signals(binder());
    for (IsolationSignal signal : IsolationSignal.values()) {
      signals.addBinding(signal).toInstance(signal.standardScorer());
    }
  }
}
