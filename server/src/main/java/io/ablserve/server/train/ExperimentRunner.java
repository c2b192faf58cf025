package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import io.ablserve.server.data.Attack;
import io.ablserve.server.data.AttackConfig;
import io.ablserve.server.data.AttackKind;
import io.ablserve.server.data.Attacks;
import io.ablserve.server.data.AugmentationPolicy;
import io.ablserve.server.data.CleanData;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetInfo;
import io.ablserve.server.data.DatasetSplit;
import io.ablserve.server.data.ImageSet;
import io.ablserve.server.data.PoisonedSet;
import io.ablserve.server.data.Poisoning;
import io.ablserve.server.model.Models;
import io.ablserve.server.plugin.Plugins;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * Loads an experiment's data, poisons it with the {@link Attack} registered for its {@link AttackKind},
 * builds its model and trains it with the {@link DefenseStrategy} registered for its {@link Defense}.
 */
public final class ExperimentRunner {
  private final DatasetCatalog catalog;
  private final Map<Defense, DefenseStrategy> defenses;
  private final Attacks attacks;

  /** With the server's own attacks ({@link AttackKind#standardAttacks}). */
  public ExperimentRunner(DatasetCatalog catalog, Map<Defense, DefenseStrategy> defenses) {
    this(catalog, defenses, AttackKind.standardAttacks());
  }

  /**
   * {@code defenses}: the strategy of each defence a session may ask for (Guice's {@code DefenseModule});
   * {@code attacks}: the attack of each kind (Guice's {@code AttackModule}).
   */
  public ExperimentRunner(
      DatasetCatalog catalog, Map<Defense, DefenseStrategy> defenses, Map<AttackKind, Attack> attacks) {
    this.catalog = requireNonNull(catalog, "catalog");
    this.defenses = Map.copyOf(requireNonNull(defenses, "defenses"));
    this.attacks = new Attacks(requireNonNull(attacks, "attacks"));
  }

  /**
   * Checks what only the dataset and the registered defences and attacks can tell (known name, target
   * label in range, a strategy for the defence, an attack for the kind); IllegalArgumentException names the
   * field and the allowed values.
   */
  public void validate(Experiment experiment) throws IOException {
    strategy(experiment.abl().defense());
    attacks.of(experiment.attack().kind());
    DatasetInfo info = catalog.describe(experiment.dataset().name());
    int target = experiment.attack().targetLabel();
    if (target >= info.numClasses()) {
      throw new IllegalArgumentException(
          "attack.target_label must be in [0, " + info.numClasses() + ") for dataset '"
              + info.name() + "', got " + target);
    }
  }

  /** {@code split}'s training set as {@code experiment}'s attack poisons it. */
  private PoisonedSet poisoned(Experiment experiment, DatasetSplit split) {
    // Separate seeded streams: the poisoned set does not depend on how training shuffles.
    Random poisonRng = new Random(experiment.seed() ^ 0x5DEECE66DL);
    AttackConfig config = experiment.attack();
    return Poisoning.poisonTrain(split.train(), attacks.of(config.kind()), config, poisonRng);
  }

  /** The poisoned training set and the clean subset a run of {@code experiment} trains on. */
  Prepared prepare(Experiment experiment) throws IOException {
    DatasetSplit split = catalog.load(experiment.dataset());
    PoisonedSet train = poisoned(experiment, split);
    return new Prepared(split, train, cleanSubset(experiment, split, train));
  }

  /** A run's data before training: the split, its poisoned training set and the clean subset. */
  record Prepared(DatasetSplit split, PoisonedSet train, CleanData.Subset clean) {}

  /**
   * The trusted clean subset a fine-tuning defence trains on, drawn from the session's training split
   * without the images the attack touched (poisoned or noise-mode); empty for the other defences.
   */
  static CleanData.Subset cleanSubset(Experiment experiment, DatasetSplit split, PoisonedSet train) {
    if (!experiment.abl().defense().usesCleanData()) {
      return CleanData.Subset.none(split.train());
    }
    boolean[] touched = train.poisoned().clone();
    for (int i = 0; i < touched.length; i++) {
      touched[i] |= train.noiseMode()[i];
    }
    return experiment.cleanData().draw(split.train(), touched, train.images().size(), experiment.seed());
  }

  /**
   * Runs the experiment to the end on {@code device}, without checkpoints. Throws {@link
   * TrainingCancelledException} within one step of {@code cancelled} turning true.
   */
  public TrainingOutcome run(
      Experiment experiment, Device device, TrainingListener listener, BooleanSupplier cancelled)
      throws IOException {
    return run(experiment, device, listener, cancelled, Checkpoints.NONE, ModelSink.NONE);
  }

  /**
   * Runs the experiment to the end on {@code device}, saving a checkpoint after every epoch; when {@code
   * checkpoints} holds one, goes on from it; hands the trained model to {@code sink}. Throws {@link
   * TrainingCancelledException} within one step of {@code cancelled} turning true.
   */
  public TrainingOutcome run(
      Experiment experiment,
      Device device,
      TrainingListener listener,
      BooleanSupplier cancelled,
      Checkpoints checkpoints,
      ModelSink sink)
      throws IOException {
    AblConfig abl = experiment.abl();
    DefenseStrategy defense = strategy(abl.defense());
    Prepared prepared = prepare(experiment);
    DatasetSplit split = prepared.split();
    PoisonedSet train = prepared.train();
    ImageSet triggered = Poisoning.triggeredTest(split.test(), experiment.attack(), train);
    ImageSet clean = prepared.clean().images();
    ImageSet shape = split.train();
    Block block =
        Models.create(
            experiment.model(), shape.channels(), shape.height(), shape.width(), shape.numClasses());
    Engine.getInstance().setRandomSeed((int) experiment.seed());
    Optional<TrainingState> from = checkpoints.latest();
    try (Model model = Model.newInstance("abl-" + experiment.model(), device)) {
      model.setBlock(block);
      if (from.isPresent()) {
        // Before the trainer initialises: initialisation keeps loaded parameters, while the trainer's
        // parameter store would keep serving the old arrays if they were replaced after it.
        loadParameters(block, model, from.get());
      }
      MomentumSgd sgd =
          MomentumSgd.create(new LearningRate(abl.learningRate()), abl.momentum(), abl.weightDecay());
      DefaultTrainingConfig trainingConfig =
          new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
              .optOptimizer(sgd)
              .optDevices(new Device[] {device});
      try (Trainer trainer = model.newTrainer(trainingConfig)) {
        trainer.initialize(new Shape(1, shape.channels(), shape.height(), shape.width()));
        if (from.isPresent()) {
          loadOptimizer(sgd, block, from.get());
        }
        AugmentationPolicy augmentation =
            abl.augmentation()
                ? AugmentationPolicy.forDataset(experiment.dataset().name(), shape)
                : AugmentationPolicy.NONE;
        InitialWeights initialWeights =
            parent -> initialWeights(experiment, shape, trainingConfig, parent);
        TrainingOutcome trained =
            new AblTrainer(abl, experiment.fineTuning(), defense, listener, cancelled)
                .train(
                    trainer, sgd, train, clean, split.test(), triggered, augmentation, experiment.seed(),
                    initialWeights, from, checkpoints);
        // The trainer normalised with these statistics; they are a pure function of the training set.
        BatchLoader.ChannelStats stats = BatchLoader.ChannelStats.of(train.images());
        NetworkSpec network =
            new NetworkSpec(
                experiment.model(), shape.channels(), shape.height(), shape.width(), shape.numClasses(),
                stats.mean(), stats.std());
        // One more eval pass over the test set, as the last epoch's evaluation saw it: the same model, the
        // same batches, so its diagonal gives the class accuracy reported.
        TrainingOutcome outcome =
            trained.withConfusionMatrix(ModelEvaluation.confusion(model, network, split.test(), () -> false));
        sink.accept(model, network, outcome);
        return outcome;
      }
    }
  }

  /**
   * The weights the experiment's model started from, drawn again as the trainer drew them: a fresh network of
   * the same kind, the same initialisers, initialised from the same seed on {@code parent}'s device.
   */
  private static NetworkWeights initialWeights(
      Experiment experiment, ImageSet shape, DefaultTrainingConfig trainingConfig, NDManager parent) {
    Block fresh =
        Models.create(
            experiment.model(), shape.channels(), shape.height(), shape.width(), shape.numClasses());
    trainingConfig.getInitializers().forEach(p -> fresh.setInitializer(p.getKey(), p.getValue()));
    try (NDManager scope = parent.newSubManager()) {
      Engine.getInstance().setRandomSeed((int) experiment.seed());
      fresh.initialize(
          scope, DataType.FLOAT32, new Shape(1, shape.channels(), shape.height(), shape.width()));
      return NetworkWeights.copyOf(fresh, parent);
    }
  }

  private DefenseStrategy strategy(Defense defense) {
    return Plugins.lookup("abl.defense", defenses, defense);
  }

  private static void loadParameters(Block block, Model model, TrainingState state) throws IOException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state.parameters()))) {
      block.loadParameters(model.getNDManager(), in);
    } catch (MalformedModelException e) {
      throw new IOException("checkpoint does not fit the model: " + e.getMessage(), e);
    }
  }

  private static void loadOptimizer(MomentumSgd sgd, Block block, TrainingState state) throws IOException {
    try {
      sgd.loadState(block, state.optimizer());
    } catch (MalformedModelException e) {
      throw new IOException("checkpoint's optimizer state does not fit the model: " + e.getMessage(), e);
    }
  }
}
