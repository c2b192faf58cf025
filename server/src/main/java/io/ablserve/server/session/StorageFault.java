package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.train.Checkpoints;
import io.ablserve.server.train.TrainingState;
import java.io.IOException;
import java.util.Optional;

/**
 * The first file error of one training run that the run itself would survive: a checkpoint not saved.
 * The trainer logs such an error and trains on, but on a full or read-only disk the model save at the end
 * fails too, after all the work; so the run is stopped at its next step (the scheduler reads {@link
 * #happened} as a cancel) and the session fails with {@link #reason}.
 */
final class StorageFault {
  private volatile String reason;

  boolean happened() {
    return reason != null;
  }

  String reason() {
    return reason;
  }

  /** {@code checkpoints}, recording here the first save that fails. */
  Checkpoints watching(Checkpoints checkpoints) {
    requireNonNull(checkpoints, "checkpoints");
    return new Checkpoints() {
      @Override
      public void save(TrainingState state) throws IOException {
        try {
          checkpoints.save(state);
        } catch (IOException | RuntimeException e) {
          if (reason == null) {
            reason = "checkpoint after epoch " + state.epoch() + " could not be written: " + e;
          }
          throw e;
        }
      }

      @Override
      public Optional<TrainingState> latest() {
        return checkpoints.latest();
      }
    };
  }
}
