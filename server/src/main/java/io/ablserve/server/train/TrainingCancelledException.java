package io.ablserve.server.train;

/** Thrown out of a training run when its cancellation flag was seen set between two steps. */
public final class TrainingCancelledException extends RuntimeException {
  public TrainingCancelledException(int epoch, long step) {
    super("cancelled at epoch " + epoch + ", step " + step);
  }
}
