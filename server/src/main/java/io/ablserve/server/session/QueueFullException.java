package io.ablserve.server.session;

/** The trainer's queue holds as many sessions as the server allows. */
public final class QueueFullException extends RuntimeException {
  public QueueFullException(int capacity) {
    super("the training queue is full (" + capacity + " sessions waiting); retry later");
  }
}
