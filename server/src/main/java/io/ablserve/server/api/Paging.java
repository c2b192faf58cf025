package io.ablserve.server.api;

import io.ablserve.server.config.ApiPolicy;
import io.ablserve.server.session.UserText;
import io.ablserve.server.store.Listed;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * page_size and page_token of the List calls (Google AIP-158). A token is the listing key of the last
 * item returned, base64url-encoded: opaque to clients, and stable while items are created or deleted,
 * since the next page starts below that key whatever happened to the item. Lists sorted by name (the
 * configured datasets) take the last name returned instead, under a prefix of their own, so neither kind
 * of token is mistaken for the other.
 */
final class Paging {
  private static final String KEY_PREFIX = "k1:";
  private static final String NAME_PREFIX = "n1:";

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
    int size = size(policy, pageSize);
    List<Listed<T>> rows = source.fetch(decode(pageToken), size + 1); // one more: is there a next page?
    boolean more = rows.size() > size;
    List<Listed<T>> page = more ? rows.subList(0, size) : rows;
    return new Page<>(
        page.stream().map(Listed::item).toList(), more ? encode(page.get(size - 1).key()) : "");
  }

  /**
   * The page of {@code sorted} (ascending by {@code name}, names unique) that {@code pageSize} and {@code
   * pageToken} ask for: the items named after the token's name. Sizes and refusals as {@link #page}.
   */
  static <T> Page<T> pageByName(
      ApiPolicy policy, int pageSize, String pageToken, List<T> sorted, Function<T, String> name) {
    int size = size(policy, pageSize);
    String after = decodeName(pageToken);
    List<T> rest =
        after == null ? sorted : sorted.stream().filter(t -> name.apply(t).compareTo(after) > 0).toList();
    boolean more = rest.size() > size;
    List<T> page = more ? rest.subList(0, size) : rest;
    return new Page<>(List.copyOf(page), more ? encode(NAME_PREFIX + name.apply(page.get(size - 1))) : "");
  }

  private static int size(ApiPolicy policy, int pageSize) {
    if (pageSize < 0) {
      throw new IllegalArgumentException("page_size must be >= 0, got " + pageSize);
    }
    return pageSize == 0 ? policy.defaultPageSize() : Math.min(pageSize, policy.maxPageSize());
  }

  static String encode(long key) {
    return encode(KEY_PREFIX + key);
  }

  private static String encode(String text) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The name a name token carries; null (from the first) for none. */
  private static String decodeName(String token) {
    if (token.isEmpty()) {
      return null;
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      if (text.startsWith(NAME_PREFIX)) {
        return text.substring(NAME_PREFIX.length());
      }
    } catch (IllegalArgumentException e) { // bad base64
      // refused below
    }
    throw invalidToken(token);
  }

  private static IllegalArgumentException invalidToken(String token) {
    return new IllegalArgumentException(
        "page_token must be a next_page_token from an earlier response, got "
            + UserText.quote(token));
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
    throw invalidToken(token);
  }
}
