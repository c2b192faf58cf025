package io.ablserve.server.session;

/**
 * Text a client sent, as error messages may quote it: a short prefix, so an error never grows with its
 * input (a 1 MiB id must not come back in a 1 MiB status, past the client's message limit).
 */
public final class UserText {
  /** The most characters of client input an error message quotes. */
  public static final int QUOTED_CHARS = 64;

  private UserText() {}

  /** {@code text} in single quotes, cut to {@value #QUOTED_CHARS} characters with its length noted. */
  public static String quote(String text) {
    if (text.length() <= QUOTED_CHARS) {
      return "'" + text + "'";
    }
    return "'" + text.substring(0, QUOTED_CHARS) + "...' (" + text.length() + " characters)";
  }
}
