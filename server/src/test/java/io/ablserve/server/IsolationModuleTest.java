package io.ablserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.train.AblDefense;
import io.ablserve.server.train.Defense;
import io.ablserve.server.train.IsolationSignal;
import io.ablserve.server.train.IsolationSignals;
import io.ablserve.server.train.Ranking;
import io.ablserve.server.train.SignalScorer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IsolationModuleTest {

  /** Scores each sample minus its index, so the last is the most suspect; keeps what it was asked. */
  static final class LastFirstScorer implements SignalScorer {
    final List<float[]> asked = new ArrayList<>();

    @Override
    public float[] scores(IsolationSignals samples) {
      asked.add(samples.losses());
      float[] out = new float[samples.losses().length];
      for (int i = 0; i < out.length; i++) {
        out[i] = -i;
      }
      return out;
    }
  }

  /**
   * In place of {@link IsolationModule}: {@code scorer} for LOSS, nothing for the other signals. In place,
   * not over it: a second LOSS entry in the MapBinder is a duplicate key.
   */
  static Module lossOnly(SignalScorer scorer) {
    return new AbstractModule() {
      @Override
      protected void configure() {
        IsolationModule.signals(binder()).addBinding(IsolationSignal.LOSS).toInstance(scorer);
      }
    };
  }

  private static Injector injector(Path cifar, Module isolation) {
    ServerConfig config = MainTest.parse("--dataset", "cifar=" + cifar);
    return Guice.createInjector(
        new TrainingModule(new DefenseModule(), new AttackModule(), isolation),
        new AbstractModule() {
          @Override
          protected void configure() {
            bind(ServerConfig.class).toInstance(config);
          }
        });
  }

  @Test
  void isolationModule_registersTheStandardScorerOfEverySignal() {
    Map<IsolationSignal, SignalScorer> scorers = IsolationModule.scorers();

    assertThat(scorers).containsOnlyKeys(Arrays.asList(IsolationSignal.values()));
    for (IsolationSignal signal : IsolationSignal.values()) {
      assertThat(scorers.get(signal)).as(signal.name()).isInstanceOf(signal.standardScorer().getClass());
    }
  }

  @Test
  void ranking_scoresBySignalsWithTheScorerATestModuleRegistered(@TempDir Path cifar) {
    LastFirstScorer scorer = new LastFirstScorer();
    Injector injector = injector(cifar, lossOnly(scorer));
    float[] losses = {0.5f, 3f, 1f, 2f};
    IsolationSignals signals =
        new IsolationSignals(
            injector.getInstance(IsolationModule.SCORERS), losses, null, new int[] {0, 1, 0, 1}, 2,
            Ranking.GLOBAL, t -> new float[0][]);

    // The standard LOSS scorer would hand back the losses themselves.
    assertThat(signals.scores(IsolationSignal.LOSS)).containsExactly(0f, -1f, -2f, -3f);
    assertThat(scorer.asked).containsExactly(losses);
    assertThatThrownBy(() -> signals.scores(IsolationSignal.COMBINED))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("abl.isolation_signal must be one of [LOSS], got COMBINED");
    // ABL's strategy is built by the same injector, from the same map: the only one it holds.
    assertThat(injector.getInstance(DefenseModule.STRATEGIES).get(Defense.ABL)).isInstanceOf(AblDefense.class);
  }

  @Test
  void ablStrategy_needsTheScorersOfAnIsolationModule() {
    assertThatThrownBy(() -> Guice.createInjector(new DefenseModule()))
        .isInstanceOf(CreationException.class)
        .hasMessageContaining("SignalScorer");
  }
}
