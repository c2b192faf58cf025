package io.ablserve.server.metrics;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import io.ablserve.server.auth.Principal;
import io.ablserve.server.auth.TokenFile;
import java.util.Optional;

/**
 * Lets a scrape through when its {@code Authorization: Bearer TOKEN} names any user of the token file,
 * admin or not: the metrics are counts and rates, nothing of anyone's sessions, so Prometheus can have a
 * user of its own that holds no admin rights over the gRPC API. Anything else gets 401.
 */
final class BearerTokenAuthenticator extends Authenticator {
  static final String REALM = "ablserve-metrics";
  private static final String SCHEME = "Bearer ";

  private final TokenFile tokens;

  BearerTokenAuthenticator(TokenFile tokens) {
    this.tokens = requireNonNull(tokens, "tokens");
  }

  @Override
  public Result authenticate(HttpExchange exchange) {
    Optional<Principal> user =
        Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization"))
            .filter(h -> h.regionMatches(true, 0, SCHEME, 0, SCHEME.length()))
            .flatMap(h -> tokens.lookUp(h.substring(SCHEME.length()).strip()));
    if (user.isEmpty()) {
      exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"" + REALM + "\"");
      return new Retry(401);
    }
    return new Success(new HttpPrincipal(user.get().user(), REALM));
  }
}
