package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.Model;
import com.google.common.primitives.Ints;
import io.ablserve.server.auth.Principal;
import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.AttackKind;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetRef;
import io.ablserve.server.data.ImageSet;
import io.ablserve.server.data.Attack;
import io.ablserve.server.data.Attacks;
import io.ablserve.server.data.Poisoning;
import io.ablserve.server.train.ModelEvaluation;
import io.ablserve.server.train.NetworkSpec;
import io.ablserve.v1.AttackSpec;
import io.ablserve.v1.DatasetSpec;
import io.ablserve.v1.EvaluateResponse;
import io.ablserve.v1.IsolationResult;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * What finished sessions leave behind, for the callers who can see them: the saved model, its evaluation
 * on a test set, the isolation result. A session in the wrong state for a result is an {@link
 * IllegalTransitionException}; another user's, a {@link SessionNotFoundException}.
 */
public final class SessionResults {
  private static final int EVENT_PAGE = 1000;
  private static final AttackConfig NO_ATTACK =
      AttackConfig.of(AttackKind.NONE, 0, AttackConfig.DEFAULTS.poisonRate());

  private final SessionManager sessions;
  private final SavedModels models;
  private final DatasetAccess datasets;
  private final DatasetCatalog catalog;
  private final Function<SessionConfig, Device> devices;
  private final Attacks attacks;
  private final Path dataDir;
  // One evaluation at a time: each holds a model and a test set on the device, beside any training run.
  private final ReentrantLock evaluating = new ReentrantLock();

  public SessionResults(
      SessionManager sessions,
      SavedModels models,
      DatasetAccess datasets,
      DatasetCatalog catalog,
      Function<SessionConfig, Device> devices,
      Attacks attacks,
      Path dataDir) {
    this.attacks = requireNonNull(attacks, "attacks");
    this.dataDir = requireNonNull(dataDir, "dataDir");
    this.sessions = requireNonNull(sessions, "sessions");
    this.models = requireNonNull(models, "models");
    this.datasets = requireNonNull(datasets, "datasets");
    this.catalog = requireNonNull(catalog, "catalog");
    this.devices = requireNonNull(devices, "devices");
  }

  /** The saved model of a SUCCEEDED session. */
  public SavedModels.SavedModel model(String sessionId, Principal caller) {
    Session session = sessions.get(sessionId, caller);
    if (session.getState() != SessionState.SESSION_STATE_SUCCEEDED) {
      throw new IllegalTransitionException(
          "session '" + sessionId + "' is " + name(session.getState())
              + "; only SUCCEEDED sessions have a trained model");
    }
    return models.find(sessionId).orElseThrow(() -> new IllegalTransitionException(
        "session '" + sessionId + "' has no saved model: it finished before this server saved models"));
  }

  /**
   * Evaluates the saved model of a SUCCEEDED session on the test split of {@code dataset} (absent: the
   * session's own test set; unnamed: the session's dataset) and, when {@code attack} is present, on its
   * triggered test set; on the session's device. IllegalArgumentException names the bad field. {@code
   * cancelled} stops it between batches.
   */
  public EvaluateResponse evaluate(
      String sessionId,
      Optional<DatasetSpec> dataset,
      Optional<AttackSpec> attack,
      Principal caller,
      BooleanSupplier cancelled)
      throws IOException {
    SavedModels.SavedModel saved = model(sessionId, caller);
    Session session = sessions.get(sessionId, caller);
    DatasetSpec own = session.getConfig().getDataset();
    DatasetSpec spec = dataset.orElse(own);
    String name = spec.getName().isEmpty() ? own.getName() : spec.getName();
    SessionConfigResolver.checkLength(
        "dataset.name", name, SessionConfigResolver.MAX_DATASET_NAME_CHARS);
    AttackConfig attackConfig =
        attack.map(SessionConfigResolver::attack).orElse(NO_ATTACK);
    datasets.checkUsable(name, caller);
    ImageSet test = catalog.load(new DatasetRef(name, 0, spec.getTestLimit())).test();
    NetworkSpec network = saved.network();
    checkFits(name, test, network);
    Attack poisoner = attacks.of(attackConfig.kind());
    poisoner.checkFits(attackConfig, test.height(), test.width());
    ImageSet triggered = Poisoning.triggeredTest(test, poisoner, attackConfig);
    Device device = devices.apply(session.getConfig());
    evaluating.lock();
    try (Model model =
        ModelEvaluation.load(saved.dir(), saved.metadata().getModelName(), network, device)) {
      long[] confusion = ModelEvaluation.confusion(model, network, test, cancelled);
      long correct = 0;
      for (int c = 0; c < network.numClasses(); c++) {
        correct += confusion[c * network.numClasses() + c];
      }
      return EvaluateResponse.newBuilder()
          .setCleanAccuracy(test.size() == 0 ? Double.NaN : (double) correct / test.size())
          .setConfusionMatrix(TelemetryEvents.confusionMatrix(confusion))
          .setAttackSuccessRate(
              poisoner.poisons()
                  ? ModelEvaluation.accuracy(model, network, triggered, cancelled)
                  : Double.NaN)
          .setTestSize(test.size())
          .setTriggeredSize(triggered.size())
          .setDataset(name)
          .build();
    } finally {
      evaluating.unlock();
    }
  }

  /**
   * The last isolation result in a session's log with D_b as ascended and the suspects, as the session
   * recorded them ({@link IsolatedSets}), for GetIsolation.
   */
  public IsolationResult isolationWithSets(String sessionId, Principal caller) throws IOException {
    IsolationResult ranked = isolation(sessionId, caller);
    Optional<IsolatedSets> sets = IsolatedSets.read(IsolatedSets.file(dataDir, sessionId));
    if (sets.isEmpty()) {
      return ranked;
    }
    return ranked.toBuilder()
        .addAllAscendedIndices(Ints.asList(sets.get().ascended()))
        .addAllSuspectIndices(Ints.asList(sets.get().suspects(ranked.getTrainSize())))
        .build();
  }

  /** The last isolation result in a session's log. */
  public IsolationResult isolation(String sessionId, Principal caller) {
    EventLog log = sessions.events(sessionId, caller);
    IsolationResult found = null;
    long size = log.size();
    for (long from = 0; from < size; from += EVENT_PAGE) {
      List<SessionEvent> page = log.read(from, EVENT_PAGE);
      for (SessionEvent event : page) {
        if (event.hasIsolation()) {
          found = event.getIsolation();
        }
      }
    }
    if (found == null) {
      Session session = sessions.get(sessionId, caller);
      throw new IllegalTransitionException(
          "session '" + sessionId + "' has no isolation result: it is " + name(session.getState())
              + (session.getConfig().getAbl().getDefense() == io.ablserve.v1.Defense.DEFENSE_NONE
                  ? " and trains without ABL (defense NONE)"
                  : ", and isolation happens at the turning epoch "
                      + session.getConfig().getAbl().getIsolationEpochs()));
    }
    return found;
  }

  private static void checkFits(String name, ImageSet test, NetworkSpec network) {
    if (test.channels() != network.channels()
        || test.height() != network.height()
        || test.width() != network.width()) {
      throw new IllegalArgumentException(
          "dataset.name '" + name + "' has " + test.channels() + "x" + test.height() + "x"
              + test.width() + " images but the model takes " + network.channels() + "x"
              + network.height() + "x" + network.width());
    }
    if (test.numClasses() > network.numClasses()) {
      throw new IllegalArgumentException(
          "dataset.name '" + name + "' has " + test.numClasses() + " classes but the model has "
              + network.numClasses());
    }
  }

  private static String name(SessionState state) {
    return state.name().substring("SESSION_STATE_".length());
  }
}
