package io.ablserve.server.train;

import ai.djl.Model;
import java.io.IOException;

/**
 * Receives the model of a run that trained all its epochs, before the model closes: where a caller keeps
 * it (saves it with {@link Model#save}). Called once, on the training thread; a failure fails the run.
 */
@FunctionalInterface
public interface ModelSink {
  void accept(Model model, NetworkSpec network, TrainingOutcome outcome) throws IOException;

  /** Keeps nothing. */
  ModelSink NONE = (model, network, outcome) -> {};
}
