package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.ablserve.server.auth.Principal;
import io.ablserve.server.data.Attack;
import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.Attacks;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetRef;
import io.ablserve.server.data.DatasetSplit;
import io.ablserve.server.data.ImageSet;
import io.ablserve.server.data.PngImages;
import io.ablserve.server.data.PoisonedSet;
import io.ablserve.server.data.Poisoning;
import io.ablserve.server.data.Trigger;
import io.ablserve.v1.GetSampleImagesRequest;
import io.ablserve.v1.GetSampleImagesResponse;
import io.ablserve.v1.IsolationResult;
import io.ablserve.v1.SampleImage;
import io.ablserve.v1.SampleSet;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * A session's samples as PNG images, for clients that cannot read its dataset: the server rebuilds the
 * poisoned training set from the session's config exactly as training built it, and picks samples by the
 * isolation's sets. The GetSampleImages proto comment is the reference.
 */
public final class SessionSamples {
  /** Most images one call returns, and most indices it takes. */
  public static final int MAX_IMAGES = 256;
  static final int DEFAULT_IMAGES = 64;
  /** A response stops before this much PNG data, under gRPC's default 4 MiB message limit. */
  static final int MAX_RESPONSE_BYTES = 3 << 20;
  // ExperimentRunner seeds poisoning with seed ^ this, apart from the training's own stream; the
  // poisoned flags returned are checked against the session's IsolationResult in the tests.
  private static final long POISON_SEED_MIX = 0x5DEECE66DL;

  private final SessionManager sessions;
  private final SessionResults results;
  private final DatasetAccess datasets;
  private final DatasetCatalog catalog;
  private final Attacks attacks;
  private final Path dataDir;
  private Rebuilt last; // guarded by this: the last session's data, as a notebook asks page after page

  public SessionSamples(
      SessionManager sessions,
      SessionResults results,
      DatasetAccess datasets,
      DatasetCatalog catalog,
      Attacks attacks,
      Path dataDir) {
    this.attacks = requireNonNull(attacks, "attacks");
    this.sessions = requireNonNull(sessions, "sessions");
    this.results = requireNonNull(results, "results");
    this.datasets = requireNonNull(datasets, "datasets");
    this.catalog = requireNonNull(catalog, "catalog");
    this.dataDir = requireNonNull(dataDir, "dataDir");
  }

  /**
   * The images {@code request} asks for. IllegalArgumentException names the bad field and its range;
   * IllegalTransitionException for an isolation set the session does not have (yet).
   */
  public GetSampleImagesResponse images(String sessionId, GetSampleImagesRequest request, Principal caller)
      throws IOException {
    int max = request.getMaxImages() == 0 ? DEFAULT_IMAGES : request.getMaxImages();
    if (request.getMaxImages() < 0 || request.getMaxImages() > MAX_IMAGES) {
      throw new IllegalArgumentException(
          "max_images must be in [0, " + MAX_IMAGES + "] (0 means " + DEFAULT_IMAGES + "), got "
              + request.getMaxImages());
    }
    if (request.getIndicesCount() > MAX_IMAGES) {
      throw new IllegalArgumentException(
          "indices may name at most " + MAX_IMAGES + " samples, got " + request.getIndicesCount());
    }
    if (request.getOffset() < 0) {
      throw new IllegalArgumentException("offset must be >= 0, got " + request.getOffset());
    }
    Session session = sessions.get(sessionId, caller);
    Rebuilt data = rebuilt(session, caller);
    Map<Integer, Float> losses = new HashMap<>();
    int[] chosen = choose(session, request, data, losses, caller);
    GetSampleImagesResponse.Builder response =
        GetSampleImagesResponse.newBuilder().setTotalCount(chosen.length);
    int bytes = 0;
    int next = Math.min(request.getOffset(), chosen.length);
    boolean test = request.getSet() == SampleSet.SAMPLE_SET_TEST;
    while (next < chosen.length && response.getImagesCount() < max && bytes < MAX_RESPONSE_BYTES) {
      SampleImage image = test ? testImage(data, chosen[next]) : trainImage(data, chosen[next], losses);
      bytes += image.getPng().size() + image.getCleanPng().size();
      if (bytes > MAX_RESPONSE_BYTES && response.getImagesCount() > 0) {
        break;
      }
      response.addImages(image);
      next++;
    }
    return response.setNextOffset(next).build();
  }

  private int[] choose(
      Session session,
      GetSampleImagesRequest request,
      Rebuilt data,
      Map<Integer, Float> losses,
      Principal caller)
      throws IOException {
    int trainSize = data.clean.size();
    return switch (request.getSet()) {
      case SAMPLE_SET_ISOLATED -> {
        IsolationResult isolation = results.isolation(session.getId(), caller);
        yield ranked(isolation, ascended(session, isolation), losses);
      }
      case SAMPLE_SET_SUSPECTS -> {
        results.isolation(session.getId(), caller); // FAILED_PRECONDITION before the turning epoch
        yield recorded(session).suspects(trainSize);
      }
      case SAMPLE_SET_RANKED -> ranked(results.isolation(session.getId(), caller), null, losses);
      case SAMPLE_SET_CLASS -> {
        int classes = data.clean.numClasses();
        if (request.getLabel() < 0 || request.getLabel() >= classes) {
          throw new IllegalArgumentException(
              "label must be in [0, " + classes + ") for SAMPLE_SET_CLASS, got " + request.getLabel());
        }
        int[] labels = data.train().images().labels();
        yield IntStream.range(0, trainSize).filter(i -> labels[i] == request.getLabel()).toArray();
      }
      case SAMPLE_SET_TRAIN -> {
        if (request.getIndicesCount() == 0) {
          throw new IllegalArgumentException("SAMPLE_SET_TRAIN needs indices");
        }
        yield checked(request, trainSize, "training");
      }
      case SAMPLE_SET_TEST -> {
        if (request.getIndicesCount() > 0) {
          yield checked(request, data.test.size(), "test");
        }
        yield !data.poisoner.poisons()
            ? IntStream.range(0, data.test.size()).toArray()
            : Poisoning.triggeredIndices(data.test, data.attack);
      }
      case SAMPLE_SET_UNSPECIFIED, UNRECOGNIZED -> throw new IllegalArgumentException(
          "set must be one of ISOLATED, SUSPECTS, RANKED, CLASS, TRAIN, TEST, got "
              + request.getSetValue());
    };
  }

  /** D_b as ascended: the recorded set, or the ranking's pick for a session that ascends just that. */
  private int[] ascended(Session session, IsolationResult isolation) throws IOException {
    if (!session.getConfig().getAbl().getIsolationExpansion()
        && IsolatedSets.read(file(session)).isEmpty()) {
      return isolation.getIndicesList().stream().mapToInt(Integer::intValue).toArray();
    }
    return recorded(session).ascended();
  }

  /**
   * The ranking's pick in its order, recording each one's loss in {@code losses}; with {@code ascended},
   * only the pick's members of it, then its other members by index.
   */
  private static int[] ranked(IsolationResult isolation, int[] ascended, Map<Integer, Float> losses) {
    Set<Integer> members = new HashSet<>();
    if (ascended != null) {
      Arrays.stream(ascended).forEach(members::add);
    }
    IntStream.Builder order = IntStream.builder();
    Set<Integer> listed = new HashSet<>();
    for (int k = 0; k < isolation.getIndicesCount(); k++) {
      int index = isolation.getIndices(k);
      losses.put(index, isolation.getLosses(k));
      if (ascended == null || members.contains(index)) {
        order.add(index);
        listed.add(index);
      }
    }
    if (ascended != null) {
      Arrays.stream(ascended).filter(i -> !listed.contains(i)).forEach(order::add);
    }
    return order.build().toArray();
  }

  private IsolatedSets recorded(Session session) throws IOException {
    return IsolatedSets.read(file(session))
        .orElseThrow(() -> new IllegalTransitionException(
            "session '" + session.getId() + "' has no recorded isolated and suspect sets: it ranked on a"
                + " server that did not record them, or the ranking's checkpoint is not written yet"));
  }

  private Path file(Session session) {
    return IsolatedSets.file(dataDir, session.getId());
  }

  private static int[] checked(GetSampleImagesRequest request, int size, String what) {
    int[] indices = request.getIndicesList().stream().mapToInt(Integer::intValue).toArray();
    for (int k = 0; k < indices.length; k++) {
      if (indices[k] < 0 || indices[k] >= size) {
        throw new IllegalArgumentException(
            "indices[" + k + "] = " + indices[k] + " is outside the session's " + what + " set [0, "
                + size + ")");
      }
    }
    return indices;
  }

  private static SampleImage trainImage(Rebuilt data, int index, Map<Integer, Float> losses) {
    PoisonedSet train = data.train();
    SampleImage.Builder image =
        SampleImage.newBuilder()
            .setIndex(index)
            .setLabel(train.images().labels()[index])
            .setTrueLabel(data.clean.labels()[index])
            .setPoisoned(train.poisoned()[index])
            .setPng(ByteString.copyFrom(PngImages.encode(train.images(), index)));
    if (train.poisoned()[index] || train.noiseMode()[index]) {
      image.setCleanPng(ByteString.copyFrom(PngImages.encode(data.clean, index)));
    }
    Float loss = losses.get(index);
    if (loss != null) {
      image.setLoss(loss);
    }
    return image.build();
  }

  private static SampleImage testImage(Rebuilt data, int index) {
    ImageSet test = data.test;
    byte[] clean = PngImages.encode(test, index);
    SampleImage.Builder image =
        SampleImage.newBuilder()
            .setIndex(index)
            .setLabel(test.labels()[index])
            .setTrueLabel(test.labels()[index]);
    if (!data.poisoner.poisons()) {
      return image.setPng(ByteString.copyFrom(clean)).build();
    }
    byte[] pixels = Arrays.copyOfRange(
        test.pixels(), index * test.imageBytes(), (index + 1) * test.imageBytes());
    data.testTrigger().apply(pixels, 0, test);
    return image
        .setPoisoned(true)
        .setPng(ByteString.copyFrom(
            PngImages.encode(pixels, 0, test.channels(), test.height(), test.width())))
        .setCleanPng(ByteString.copyFrom(clean))
        .build();
  }

  /** The session's data as it trained on it; the last session's is kept for the next page. */
  private synchronized Rebuilt rebuilt(Session session, Principal caller) throws IOException {
    if (last != null && last.sessionId.equals(session.getId())) {
      return last;
    }
    SessionConfig config = session.getConfig();
    String name = config.getDataset().getName();
    datasets.checkUsable(name, caller);
    DatasetSplit split =
        catalog.load(
            new DatasetRef(name, config.getDataset().getTrainLimit(), config.getDataset().getTestLimit()));
    AttackConfig attack = SessionConfigResolver.attack(config.getAttack());
    last =
        new Rebuilt(
            session.getId(), split.train(), split.test(), attack, attacks.of(attack.kind()),
            config.getSeed());
    return last;
  }

  /**
   * A session's data. The training set is poisoned again on first use only: a page of test images needs
   * none of it (but for the dynamic attack, whose test trigger is trained with the poisoning), and the
   * label-consistent and dynamic attacks' poisoning trains a model (minutes on a large set).
   */
  private static final class Rebuilt {
    final String sessionId;
    final ImageSet clean;
    final ImageSet test;
    final AttackConfig attack;
    final Attack poisoner;
    private final long seed;
    private PoisonedSet train; // guarded by this

    Rebuilt(
        String sessionId, ImageSet clean, ImageSet test, AttackConfig attack, Attack poisoner, long seed) {
      this.sessionId = sessionId;
      this.clean = clean;
      this.test = test;
      this.attack = attack;
      this.poisoner = poisoner;
      this.seed = seed;
    }

    /**
     * The trigger of the triggered test images: the config's own, or for the dynamic attack the generators
     * that poisoning the training set trains.
     */
    Trigger testTrigger() {
      return poisoner.fixedTrigger() ? poisoner.trigger(attack) : train().trigger().orElseThrow();
    }

    synchronized PoisonedSet train() {
      if (train == null) {
        train = Poisoning.poisonTrain(clean, poisoner, attack, new Random(seed ^ POISON_SEED_MIX));
      }
      return train;
    }
  }
}
