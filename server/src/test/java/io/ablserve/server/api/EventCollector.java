package io.ablserve.server.api;

import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Collects one WatchSession stream on the async stub. With a request budget it reads only that many
 * events until {@link #request} asks for more: a deliberately slow client.
 */
final class EventCollector implements ClientResponseObserver<WatchSessionRequest, SessionEvent> {
  private final int initialRequest;
  private final List<SessionEvent> events = new ArrayList<>();
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile ClientCallStreamObserver<WatchSessionRequest> call;
  private volatile Throwable error;

  /** Reads everything as it comes. */
  EventCollector() {
    this(-1);
  }

  /** Reads {@code initialRequest} events, then waits for {@link #request}; -1 reads everything. */
  EventCollector(int initialRequest) {
    this.initialRequest = initialRequest;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<WatchSessionRequest> requestStream) {
    call = requestStream;
    if (initialRequest >= 0) {
      requestStream.disableAutoRequestWithInitial(initialRequest);
    }
  }

  void request(int count) {
    call.request(count);
  }

  void cancel() {
    call.cancel("test is done watching", null);
  }

  synchronized int received() {
    return events.size();
  }

  @Override
  public synchronized void onNext(SessionEvent event) {
    events.add(event);
  }

  @Override
  public void onError(Throwable t) {
    error = t;
    done.countDown();
  }

  @Override
  public void onCompleted() {
    done.countDown();
  }

  /** How the stream failed; an AssertionError if it did not fail within 30 s, or completed. */
  Throwable awaitError() throws InterruptedException {
    if (!done.await(30, TimeUnit.SECONDS)) {
      throw new AssertionError("watch stream did not end within 30 s; got " + received());
    }
    if (error == null) {
      throw new AssertionError("watch stream completed; expected it to fail");
    }
    return error;
  }

  synchronized List<SessionEvent> events() {
    return List.copyOf(events);
  }

  /** The whole stream, once it completed normally. */
  List<SessionEvent> awaitCompleted() throws InterruptedException {
    if (!done.await(30, TimeUnit.SECONDS)) {
      throw new AssertionError("watch stream did not end within 30 s; got " + received());
    }
    if (error != null) {
      throw new AssertionError("watch stream failed", error);
    }
    synchronized (this) {
      return List.copyOf(events);
    }
  }
}
