package io.ablserve.server.auth;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.util.Optional;
import java.util.Set;

/**
 * Checks the {@code authorization: Bearer TOKEN} header of every call against the {@link TokenFile} and
 * puts the caller's {@link Principal} in the gRPC {@link Context} ({@link #caller()}). Health and
 * reflection stay open, so probes and {@code grpcurl list} work without a token. Without a token file
 * every call acts as {@link Principal#LOCAL}; the server then listens on loopback only.
 */
public final class AuthInterceptor implements ServerInterceptor {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "bearer ";
  private static final Context.Key<Principal> CALLER = Context.key("ablserve-caller");
  private static final Set<String> OPEN_SERVICES =
      Set.of(
          HealthGrpc.SERVICE_NAME,
          "grpc.reflection.v1.ServerReflection",
          "grpc.reflection.v1alpha.ServerReflection");

  private final Optional<TokenFile> tokens;

  public AuthInterceptor(Optional<TokenFile> tokens) {
    this.tokens = tokens;
  }

  /**
   * The principal of the call this thread serves. Fails when the call did not pass this interceptor: a
   * wiring fault, never a reason to act as anybody.
   */
  public static Principal caller() {
    Principal caller = CALLER.get();
    if (caller == null) {
      throw new IllegalStateException("no caller in this context: the AuthInterceptor is not installed");
    }
    return caller;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    if (OPEN_SERVICES.contains(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    Principal caller;
    if (tokens.isEmpty()) {
      caller = Principal.LOCAL;
    } else {
      String header = headers.get(AUTHORIZATION);
      if (header == null) {
        return refuse(call, "missing 'authorization: Bearer TOKEN' metadata");
      }
      if (!header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
        return refuse(call, "the authorization metadata must be 'Bearer TOKEN'");
      }
      Optional<Principal> known = tokens.get().lookUp(header.substring(BEARER.length()).strip());
      if (known.isEmpty()) {
        return refuse(call, "unknown bearer token");
      }
      caller = known.get();
    }
    return Contexts.interceptCall(Context.current().withValue(CALLER, caller), call, headers, next);
  }

  private static <ReqT, RespT> ServerCall.Listener<ReqT> refuse(
      ServerCall<ReqT, RespT> call, String why) {
    call.close(Status.UNAUTHENTICATED.withDescription(why), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
