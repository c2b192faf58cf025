package io.ablserve.server.worker;

import static java.util.Objects.requireNonNull;

import io.ablserve.worker.v1.AttachRequest;
import io.ablserve.worker.v1.ControlMessage;
import io.ablserve.worker.v1.WorkerChannelServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The control plane's end of the worker channel: each worker it expects (by session and secret token)
 * attaches once, and its messages queue up in its {@link Attachment} for the slot's thread to apply. No
 * store write happens here, on gRPC's threads.
 */
final class WorkerChannel extends WorkerChannelServiceGrpc.WorkerChannelServiceImplBase {
  private final Map<String, Attachment> expected = new ConcurrentHashMap<>();

  /** One worker's side of the channel, as the control plane sees it. */
  static final class Attachment {
    /** Put on the inbox when the worker's call ends, whichever way. */
    static final AttachRequest END = AttachRequest.getDefaultInstance();

    private final String token;
    private final BlockingQueue<AttachRequest> inbox = new LinkedBlockingQueue<>();
    private final CountDownLatch attached = new CountDownLatch(1);
    private volatile StreamObserver<ControlMessage> out;

    private Attachment(String token) {
      this.token = token;
    }

    /** Waits up to {@code millis} for the worker's hello; true once it came. */
    boolean awaitAttached(long millis) throws InterruptedException {
      return attached.await(millis, TimeUnit.MILLISECONDS);
    }

    /** The worker's next message, {@link #END} once its call ended, or null after {@code millis}. */
    AttachRequest poll(long millis) throws InterruptedException {
      return inbox.poll(millis, TimeUnit.MILLISECONDS);
    }

    synchronized void send(ControlMessage message) {
      if (out != null) {
        try {
          out.onNext(message);
        } catch (RuntimeException e) {
          // The call is gone: the worker's END is on the inbox already, or will be.
        }
      }
    }

    /** Ends the call from this side. */
    synchronized void complete() {
      if (out != null) {
        try {
          out.onCompleted();
        } catch (RuntimeException e) {
          // already closed
        }
        out = null;
      }
    }
  }

  /** Expects a worker for {@code sessionId} proving itself with {@code token}; replaces an earlier one. */
  Attachment expect(String sessionId, String token) {
    Attachment attachment = new Attachment(requireNonNull(token, "token"));
    expected.put(sessionId, attachment);
    return attachment;
  }

  /** Stops expecting a worker for {@code sessionId}; a late hello is refused. */
  void forget(String sessionId, Attachment attachment) {
    expected.remove(sessionId, attachment);
  }

  @Override
  public StreamObserver<AttachRequest> attach(StreamObserver<ControlMessage> out) {
    return new StreamObserver<>() {
      private Attachment attachment; // only gRPC's serialized callbacks touch it

      @Override
      public void onNext(AttachRequest request) {
        if (attachment == null) {
          Attachment candidate =
              request.hasHello() ? expected.get(request.getHello().getSessionId()) : null;
          if (candidate == null || !tokenMatches(candidate.token, request.getHello().getToken())) {
            out.onError(
                Status.PERMISSION_DENIED
                    .withDescription("no worker expected with that session and token")
                    .asRuntimeException());
            return;
          }
          attachment = candidate;
          synchronized (attachment) {
            attachment.out = out;
          }
          attachment.attached.countDown();
          return;
        }
        attachment.inbox.add(request);
      }

      @Override
      public void onError(Throwable t) {
        end();
      }

      @Override
      public void onCompleted() {
        end();
      }

      private void end() {
        if (attachment != null) {
          attachment.inbox.add(Attachment.END);
        }
      }
    };
  }

  private static boolean tokenMatches(String expected, String given) {
    return MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
  }
}
