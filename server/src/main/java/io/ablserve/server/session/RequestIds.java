package io.ablserve.server.session;

import java.util.regex.Pattern;

/** The request ids that make a create call safe to retry: UUIDs in their canonical text form. */
public final class RequestIds {
  private static final Pattern UUID_TEXT =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private RequestIds() {}

  /**
   * {@code requestId} in lower case, the form it is remembered in; IllegalArgumentException naming
   * {@code field} unless it is a UUID.
   */
  public static String check(String field, String requestId) {
    if (!UUID_TEXT.matcher(requestId).matches()) {
      throw new IllegalArgumentException(
          field + " must be a UUID (8-4-4-4-12 hex digits), got " + requestId.length()
              + " characters: " + UserText.quote(requestId));
    }
    return requestId.toLowerCase(java.util.Locale.ROOT);
  }
}
