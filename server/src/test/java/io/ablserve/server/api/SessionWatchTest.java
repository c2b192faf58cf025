package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.session.EventLog;
import io.ablserve.server.session.EventLogs;
import io.ablserve.v1.SessionEvent;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SessionWatchTest {
  /** A client that is always ready and records, in one list shared by all clients, who got what. */
  private static final class Client extends ServerCallStreamObserver<SessionEvent> {
    final String name;
    final List<String> arrivals;
    final List<Long> sequences = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch completed = new CountDownLatch(1);
    volatile Runnable onClose = () -> {};

    Client(String name, List<String> arrivals) {
      this.name = name;
      this.arrivals = arrivals;
    }

    @Override
    public void onNext(SessionEvent event) {
      sequences.add(event.getSequence());
      arrivals.add(name);
    }

    @Override
    public void onError(Throwable t) {
      throw new AssertionError(t);
    }

    @Override
    public void onCompleted() {
      onClose.run(); // as a transport that has sent everything
      completed.countDown();
    }

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) {}

    @Override
    public void setOnCancelHandler(Runnable onCancelHandler) {}

    @Override
    public void setOnCloseHandler(Runnable onCloseHandler) {
      onClose = onCloseHandler;
    }

    @Override
    public void setCompression(String compression) {}

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}
  }

  @Test
  void longReplays_takeTurnsOnASharedExecutor_andEachGetsEveryEventOnce() throws Exception {
    int steps = 3000;
    EventLog log = EventLogs.finished("s", steps);
    ExecutorService executor = Executors.newSingleThreadExecutor();
    List<String> arrivals = Collections.synchronizedList(new ArrayList<>());
    Client a = new Client("a", arrivals);
    Client b = new Client("b", arrivals);
    WatchCounter counter = new WatchCounter();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      // Both start before the executor runs a drain: else a loaded machine may deschedule this thread
      // for the whole of a's replay, and b would start after it.
      CountDownLatch bothStarted = new CountDownLatch(1);
      executor.execute(() -> {
        try {
          bothStarted.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      SessionWatch.start(log, a, executor, counter, timer, Duration.ofMinutes(5), 0, true);
      SessionWatch.start(log, b, executor, counter, timer, Duration.ofMinutes(5), 0, true);
      bothStarted.countDown();
      assertThat(a.completed.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(b.completed.await(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      executor.shutdownNow();
      timer.shutdownNow();
    }

    List<Long> all = LongStream.rangeClosed(0, steps).boxed().toList();
    assertThat(a.sequences).isEqualTo(all);
    assertThat(b.sequences).isEqualTo(all);
    assertThat(counter.eventsSent()).isEqualTo(2L * (steps + 1));
    assertThat(counter.open()).isZero();
    // With one thread between them, b starts long before a's replay of 3,001 events is over.
    assertThat(arrivals.indexOf("b")).isLessThan(arrivals.lastIndexOf("a") - steps / 2);
  }
}
