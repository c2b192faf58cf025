package io.ablserve.server.api;

import io.ablserve.server.config.ApiPolicy;
import io.ablserve.server.session.UserText;
import io.ablserve.server.store.Listed;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * page_size and page_token of the List calls (Google AIP-158). A token is the listing key of the last
 * item returned, base64url-encoded: opaque to clients, and stable while items are created or deleted,
 * since the next page starts below that key whatever happened to the item.
 */
final class Paging {
  private static final String KEY_PREFIX = "k1:";

  private Paging() {}

  /** One page of items and the token of the next, empty on the last page. */
  record Page<T>(List<T> items, String nextPageToken) {}

  /** Items with listing keys below {@code beforeKey}, newest first, at most {@code limit}. */
  @FunctionalInterface
  interface Source<T> {
    List<Listed<T>> fetch(long beforeKey, int limit);
  }

  /**
   * The page {@code pageSize} and {@code pageToken} ask for: 0 means the policy's default size, more than
   * its maximum gets the maximum. IllegalArgumentException for a negative size or a token this server
   * did not issue.
   */
  static <T> Page<T> page(ApiPolicy policy, int pageSize, String pageToken, Source<T> source) {
    if (pageSize < 0) {
      throw new IllegalArgumentException("page_size must be >= 0, got " + pageSize);
    }
    int size = pageSize == 0 ? policy.defaultPageSize() : Math.min(pageSize, policy.maxPageSize());
    List<Listed<T>> rows = source.fetch(decode(pageToken), size + 1); // one more: is there a next page?
    boolean more = rows.size() > size;
    List<Listed<T>> page = more ? rows.subList(0, size) : rows;
    return new Page<>(
        page.stream().map(Listed::item).toList(), more ? encode(page.get(size - 1).key()) : "");
  }

  static String encode(long key) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((KEY_PREFIX + key).getBytes(StandardCharsets.US_ASCII));
  }

  /** The key a token names; {@link Long#MAX_VALUE} (from the newest) for none. */
  static long decode(String token) {
    if (token.isEmpty()) {
      return Long.MAX_VALUE;
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.US_ASCII);
      if (text.startsWith(KEY_PREFIX)) {
        long key = Long.parseLong(text.substring(KEY_PREFIX.length()));
        if (key > 0) {
          return key;
        }
      }
    } catch (IllegalArgumentException e) { // bad base64, or NumberFormatException
      // refused below
    }
    throw new IllegalArgumentException(
        "page_token must be a next_page_token from an earlier response, got "
            + UserText.quote(token));
  }
}
