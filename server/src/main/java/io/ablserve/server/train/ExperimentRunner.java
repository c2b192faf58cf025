package io.ablserve.server.train;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import io.ablserve.server.data.AugmentationPolicy;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.DatasetInfo;
import io.ablserve.server.data.DatasetSplit;
import io.ablserve.server.data.ImageSet;
import io.ablserve.server.data.PoisonedSet;
import io.ablserve.server.data.Poisoning;
import io.ablserve.server.model.Models;
import java.io.IOException;
import java.util.Random;
import java.util.function.BooleanSupplier;

/** Loads an experiment's data, poisons it, builds its model and runs ABL on it. */
public final class ExperimentRunner {
  private final DatasetCatalog catalog;

  public ExperimentRunner(DatasetCatalog catalog) {
    this.catalog = requireNonNull(catalog, "catalog");
  }

  /**
   * Checks what only the dataset can tell (known name, target label in range); IllegalArgumentException
   * names the field and the allowed range.
   */
  public void validate(Experiment experiment) throws IOException {
    DatasetInfo info = catalog.describe(experiment.dataset().name());
    int target = experiment.attack().targetLabel();
    if (target >= info.numClasses()) {
      throw new IllegalArgumentException(
          "attack.target_label must be in [0, " + info.numClasses() + ") for dataset '"
              + info.name() + "', got " + target);
    }
  }

  /**
   * Runs the experiment to the end on {@code device}. Throws {@link TrainingCancelledException} within one
   * step of {@code cancelled} turning true.
   */
  public TrainingOutcome run(
      Experiment experiment, Device device, TrainingListener listener, BooleanSupplier cancelled)
      throws IOException {
    return run(experiment, device, listener, cancelled, ModelSink.NONE);
  }

  /** {@link #run(Experiment, Device, TrainingListener, BooleanSupplier)}, then the model to {@code sink}. */
  public TrainingOutcome run(
      Experiment experiment,
      Device device,
      TrainingListener listener,
      BooleanSupplier cancelled,
      ModelSink sink)
      throws IOException {
    DatasetSplit split = catalog.load(experiment.dataset());
    // Separate seeded streams: the poisoned set does not depend on how training shuffles.
    Random poisonRng = new Random(experiment.seed() ^ 0x5DEECE66DL);
    PoisonedSet train = Poisoning.poisonTrain(split.train(), experiment.attack(), poisonRng);
    ImageSet triggered = Poisoning.triggeredTest(split.test(), experiment.attack());
    ImageSet shape = split.train();
    Block block =
        Models.create(
            experiment.model(), shape.channels(), shape.height(), shape.width(), shape.numClasses());
    AblConfig abl = experiment.abl();
    Engine.getInstance().setRandomSeed((int) experiment.seed());
    try (Model model = Model.newInstance("abl-" + experiment.model(), device)) {
      model.setBlock(block);
      LearningRate learningRate = new LearningRate(abl.learningRate());
      Optimizer sgd =
          Optimizer.sgd()
              .setLearningRateTracker(learningRate)
              .optMomentum((float) abl.momentum())
              .optWeightDecays((float) abl.weightDecay())
              .build();
      DefaultTrainingConfig trainingConfig =
          new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
              .optOptimizer(sgd)
              .optDevices(new Device[] {device});
      try (Trainer trainer = model.newTrainer(trainingConfig)) {
        trainer.initialize(new Shape(1, shape.channels(), shape.height(), shape.width()));
        AugmentationPolicy augmentation =
            abl.augmentation()
                ? AugmentationPolicy.forDataset(experiment.dataset().name(), shape)
                : AugmentationPolicy.NONE;
        TrainingOutcome outcome =
            new AblTrainer(abl, listener, cancelled)
                .train(
                    trainer, learningRate, train, split.test(), triggered, augmentation,
                    new Random(experiment.seed()));
        // The trainer normalised with these statistics; they are a pure function of the training set.
        BatchLoader.ChannelStats stats = BatchLoader.ChannelStats.of(train.images());
        sink.accept(
            model,
            new NetworkSpec(
                experiment.model(), shape.channels(), shape.height(), shape.width(),
                shape.numClasses(), stats.mean(), stats.std()),
            outcome);
        return outcome;
      }
    }
  }
}
