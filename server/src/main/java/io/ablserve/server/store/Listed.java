package io.ablserve.server.store;

import static java.util.Objects.requireNonNull;

/**
 * A stored item with its listing key: keys grow with creation, so newest first is highest key first,
 * and the key of a page's last item says where the next page starts, whatever was created since.
 */
public record Listed<T>(long key, T item) {
  public Listed {
    requireNonNull(item, "item");
  }
}
