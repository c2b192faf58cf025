package io.ablserve.server.session;

import io.ablserve.server.auth.Principal;

/**
 * Decides whether a caller may train on a dataset name: configured names are open to all, uploaded
 * datasets to their owner and admins.
 */
@FunctionalInterface
public interface DatasetAccess {
  /** Every name is usable; for servers without uploads. */
  DatasetAccess OPEN = (name, caller) -> {};

  /**
   * Returns when {@code caller} may use {@code datasetName}; IllegalArgumentException (naming {@code
   * dataset.name}) when it is another user's upload, so that it looks like an unknown name.
   */
  void checkUsable(String datasetName, Principal caller);
}
