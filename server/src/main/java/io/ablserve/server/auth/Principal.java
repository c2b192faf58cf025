package io.ablserve.server.auth;

import static java.util.Objects.requireNonNull;

/**
 * Who a request acts for: a user name from the token file, or {@link #LOCAL} on a server without one.
 * Users see what they own; admins see everything.
 */
public record Principal(String user, boolean admin) {
  /** Every request of a server started without a token file (which then listens on loopback only). */
  public static final Principal LOCAL = new Principal("local", false);

  public Principal {
    requireNonNull(user, "user");
    if (user.isBlank()) {
      throw new IllegalArgumentException("user name must not be blank");
    }
  }

  /** True when this principal may see (and act on) something owned by {@code owner}. */
  public boolean canSee(String owner) {
    return admin || user.equals(owner);
  }
}
