package io.ablserve.server.train;

import java.util.Optional;

/**
 * Where a run keeps its latest {@link TrainingState}, saved at the end of every epoch, and where a resumed
 * run finds it. Implementations keep only the latest one and never return a partly written one.
 */
public interface Checkpoints {

  /** Replaces the latest checkpoint with {@code state}; IOException leaves the previous one in place. */
  void save(TrainingState state) throws java.io.IOException;

  /** The latest complete checkpoint, if any. */
  Optional<TrainingState> latest();

  /** Keeps nothing: a run that cannot be resumed. */
  Checkpoints NONE =
      new Checkpoints() {
        @Override
        public void save(TrainingState state) {}

        @Override
        public Optional<TrainingState> latest() {
          return Optional.empty();
        }
      };
}
