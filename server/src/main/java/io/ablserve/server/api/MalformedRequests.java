package io.ablserve.server.api;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Answers a request whose bytes do not parse with INVALID_ARGUMENT and one log line. Left to gRPC, the
 * parse failure escapes the call as an application error: UNKNOWN to the client and a SEVERE stack trace
 * per request in the log, which a client could fill at will.
 */
final class MalformedRequests {
  private static final Logger logger = Logger.getLogger(MalformedRequests.class.getName());

  private MalformedRequests() {}

  /** {@code service} with every method's request parsing guarded; schema descriptors are kept. */
  static ServerServiceDefinition guard(ServerServiceDefinition service) {
    ServiceDescriptor old = service.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(old.getName()).setSchemaDescriptor(old.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      ServerMethodDefinition<?, ?> g = guard(method);
      descriptor.addMethod(g.getMethodDescriptor());
      methods.add(g);
    }
    ServerServiceDefinition.Builder guarded = ServerServiceDefinition.builder(descriptor.build());
    for (ServerMethodDefinition<?, ?> method : methods) {
      guarded.addMethod(method);
    }
    return guarded.build();
  }

  private static <ReqT, RespT> ServerMethodDefinition<ReqT, RespT> guard(
      ServerMethodDefinition<ReqT, RespT> method) {
    MethodDescriptor<ReqT, RespT> descriptor = method.getMethodDescriptor();
    MethodDescriptor<ReqT, RespT> guarded =
        descriptor.toBuilder(
                new NullOnFailure<>(descriptor.getRequestMarshaller()),
                descriptor.getResponseMarshaller())
            .build();
    return ServerMethodDefinition.create(guarded, new Handler<>(method.getServerCallHandler()));
  }

  /** Parses with the delegate; a request that does not parse becomes null, which {@link Handler} answers. */
  private record NullOnFailure<T>(MethodDescriptor.Marshaller<T> delegate)
      implements MethodDescriptor.Marshaller<T> {
    @Override
    public InputStream stream(T value) {
      return delegate.stream(value);
    }

    @Override
    public T parse(InputStream stream) {
      try {
        return delegate.parse(stream);
      } catch (RuntimeException e) {
        return null;
      }
    }
  }

  private record Handler<ReqT, RespT>(ServerCallHandler<ReqT, RespT> delegate)
      implements ServerCallHandler<ReqT, RespT> {
    @Override
    public ServerCall.Listener<ReqT> startCall(ServerCall<ReqT, RespT> call, Metadata headers) {
      return new SimpleForwardingServerCallListener<>(delegate.startCall(call, headers)) {
        private boolean refused;

        @Override
        public void onMessage(ReqT message) {
          if (refused) {
            return;
          }
          if (message == null) {
            refused = true;
            logger.info("refused a malformed request to " + call.getMethodDescriptor().getFullMethodName());
            call.close(
                Status.INVALID_ARGUMENT.withDescription("the request is not a valid protobuf message"),
                new Metadata());
            return;
          }
          super.onMessage(message);
        }

        @Override
        public void onHalfClose() {
          if (!refused) {
            super.onHalfClose();
          }
        }

        @Override
        public void onReady() {
          if (!refused) {
            super.onReady();
          }
        }
      };
    }
  }
}
