package io.ablserve.server.train;

/** How training samples are ranked for isolation. */
public enum Ranking {
  /** The paper: the lowest losses over the whole training set. */
  GLOBAL,
  /** Each loss divided by the median loss of its labelled class, then the lowest overall. */
  PER_CLASS
}
