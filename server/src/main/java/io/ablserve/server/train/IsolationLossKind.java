package io.ablserve.server.train;

/** The loss used during isolation epochs to keep clean samples' loss from collapsing. */
public enum IsolationLossKind {
  /** Local gradient ascent: {@code sign(l - gamma) * l}. */
  LGA,
  /** Flooding: {@code |l - b| + b}. */
  FLOODING
}
