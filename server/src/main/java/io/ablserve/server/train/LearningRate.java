package io.ablserve.server.train;

import ai.djl.training.tracker.Tracker;

/** A learning rate the trainer sets per stage (isolation, descent, ascent) on one optimizer. */
final class LearningRate implements Tracker {
  private volatile float value;

  LearningRate(double initial) {
    set(initial);
  }

  void set(double rate) {
    value = (float) rate;
  }

  float get() {
    return value;
  }

  @Override
  public float getNewValue(int numUpdate) {
    return value;
  }
}
