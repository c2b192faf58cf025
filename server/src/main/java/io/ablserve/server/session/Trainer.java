package io.ablserve.server.session;

import ai.djl.Device;
import io.ablserve.server.train.Checkpoints;
import io.ablserve.server.train.Experiment;
import io.ablserve.server.train.ModelSink;
import io.ablserve.server.train.TrainingListener;
import io.ablserve.server.train.TrainingOutcome;
import java.io.IOException;
import java.util.function.BooleanSupplier;

/**
 * Runs one experiment to the end, saving a checkpoint after every epoch into {@code checkpoints} and going
 * on from the latest one it holds, and hands the trained model to {@code sink}; {@code
 * ExperimentRunner::run} in production. Throws {@link
 * io.ablserve.server.train.TrainingCancelledException} within one step of {@code cancelled} turning true.
 */
@FunctionalInterface
public interface Trainer {
  TrainingOutcome train(
      Experiment experiment,
      Device device,
      TrainingListener listener,
      BooleanSupplier cancelled,
      Checkpoints checkpoints,
      ModelSink sink)
      throws IOException;
}
