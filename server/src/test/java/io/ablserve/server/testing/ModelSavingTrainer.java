package io.ablserve.server.testing;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ablserve.server.model.ModelArch;
import io.ablserve.server.model.Models;
import io.ablserve.server.session.SavedModels;
import io.ablserve.server.session.Trainer;
import io.ablserve.server.train.Checkpoints;
import io.ablserve.server.train.Experiment;
import io.ablserve.server.train.ModelSink;
import io.ablserve.server.train.NetworkSpec;
import io.ablserve.server.train.TrainingListener;
import io.ablserve.server.train.TrainingOutcome;
import java.io.IOException;
import java.util.function.BooleanSupplier;

/**
 * {@link ScriptedTrainer}'s script, then an untrained Fashion-MNIST-shaped small CNN handed to the sink:
 * sessions that succeed at once with a real saved model, for the calls that read it (Evaluate, export).
 */
public final class ModelSavingTrainer implements Trainer {
  private final ScriptedTrainer script = new ScriptedTrainer(1, false);

  @Override
  public TrainingOutcome train(
      Experiment experiment,
      Device device,
      TrainingListener listener,
      BooleanSupplier cancelled,
      Checkpoints checkpoints,
      ModelSink sink)
      throws IOException {
    TrainingOutcome outcome =
        script.train(experiment, device, listener, cancelled, checkpoints, ModelSink.NONE);
    try (Model model = Model.newInstance(SavedModels.MODEL_NAME, device)) {
      model.setBlock(Models.create(ModelArch.SMALL_CNN, 1, 28, 28, 10));
      model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
      sink.accept(
          model,
          new NetworkSpec(
              ModelArch.SMALL_CNN, 1, 28, 28, 10, new float[] {0.3f}, new float[] {0.35f}),
          outcome);
    }
    return outcome;
  }
}
