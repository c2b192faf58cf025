package io.ablserve.server;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.MapBinder;
import io.ablserve.server.train.AblDefense;
import io.ablserve.server.train.AttentionDistillationDefense;
import io.ablserve.server.train.Defense;
import io.ablserve.server.train.DefenseStrategy;
import io.ablserve.server.train.FinePruningDefense;
import io.ablserve.server.train.FineTuningDefense;
import io.ablserve.server.train.ModeConnectivityDefense;
import io.ablserve.server.train.PlainTraining;
import java.util.Map;

/**
 * The defences a session may ask for, each a {@link DefenseStrategy} registered under its {@link Defense}:
 * the one list of them. {@link TrainingModule} installs it; a test installs its own in its place. ABL's
 * strategy ranks by the scorers of an {@link IsolationModule} installed beside it.
 */
public final class DefenseModule extends AbstractModule {
  /** The strategies registered with {@link #defenses}, by defence, as the runner receives them. */
  public static final Key<Map<Defense, DefenseStrategy>> STRATEGIES =
      Key.get(new TypeLiteral<Map<Defense, DefenseStrategy>>() {});

  /** A {@link MapBinder} to register strategies with, from this module or a test's. */
  public static MapBinder<Defense, DefenseStrategy> defenses(com.google.inject.Binder binder) {
    return MapBinder.newMapBinder(binder, Defense.class, DefenseStrategy.class);
  }

  /**
   * The strategies this module registers, ABL's ranking by {@link IsolationModule}'s scorers, for the
   * processes that train without an injector: a worker, the bench mains, the training tests.
   */
  public static Map<Defense, DefenseStrategy> strategies() {
    return Guice.createInjector(new DefenseModule(), new IsolationModule()).getInstance(STRATEGIES);
  }

  @Override
  protected void configure() {
    MapBinder<Defense, DefenseStrategy> defenses = defenses(binder());
    defenses.addBinding(Defense.NONE).to(PlainTraining.class);
    defenses.addBinding(Defense.ABL).to(AblDefense.class);
    defenses.addBinding(Defense.FT).to(FineTuningDefense.class);
    defenses.addBinding(Defense.FP).to(FinePruningDefense.class);
    defenses.addBinding(Defense.NAD).to(AttentionDistillationDefense.class);
    defenses.addBinding(Defense.MCR).to(ModeConnectivityDefense.class);
  }
}
