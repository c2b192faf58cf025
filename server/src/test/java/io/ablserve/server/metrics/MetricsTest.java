package io.ablserve.server.metrics;

import static io.ablserve.server.testing.PrometheusScrape.scrape;
import static io.ablserve.server.testing.PrometheusScrape.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The Prometheus endpoint, scraped over real HTTP as Prometheus would. */
class MetricsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void gauges_followSessionsQueueThroughputAndWatchers() throws Exception {
    ScriptedTrainer trainer = new ScriptedTrainer(3, true);
    try (TestServer server =
        TestServer.start(
            TestServer.Transport.IN_PROCESS,
            TestServer.CONFIG.withMetricsPort(0),
            new TestingTrainingModule(trainer))) {
      int port = server.metricsPort();
      String before = scrape(port);
      assertThat(value(before, "ablserve_sessions{state=\"running\"}")).isZero();
      assertThat(value(before, "ablserve_queue_length")).isZero();
      assertThat(value(before, "ablserve_training_images_per_second")).isZero();
      assertThat(value(before, "ablserve_active_watchers")).isZero();
      assertThat(value(before, "ablserve_watch_events_sent_total")).isZero();
      assertThat(value(before, "ablserve_slot_busy{device=\"cpu\",slot=\"cpu-0\"}")).isZero();
      assertThat(value(before, "ablserve_slot_resident_bytes{device=\"cpu\",slot=\"cpu-0\"}")).isZero();

      CreateSessionRequest create =
          CreateSessionRequest.newBuilder().setConfig(SessionConfig.getDefaultInstance()).build();
      String running = server.blocking().createSession(create).getId();
      trainer.awaitStarted();
      server.blocking().createSession(create);
      Context.CancellableContext watching = Context.current().withCancellation();
      watching.run(
          () ->
              SessionServiceGrpc.newStub(server.channel())
                  .watchSession(
                      WatchSessionRequest.newBuilder().setSessionId(running).setFollow(true).build(),
                      new StreamObserver<SessionEvent>() {
                        @Override
                        public void onNext(SessionEvent value) {}

                        @Override
                        public void onError(Throwable t) {}

                        @Override
                        public void onCompleted() {}
                      }));

      Poll.until("the watch to be counted", WAIT,
          () -> value(scrape(port), "ablserve_active_watchers") == 1);
      Poll.until("events to reach the watch", WAIT,
          () -> value(scrape(port), "ablserve_watch_events_sent_total") >= 1);
      String during = scrape(port);
      assertThat(value(during, "ablserve_sessions{state=\"running\"}")).isEqualTo(1);
      assertThat(value(during, "ablserve_sessions{state=\"queued\"}")).isEqualTo(1);
      assertThat(value(during, "ablserve_queue_length")).isEqualTo(1);
      assertThat(value(during, "ablserve_training_images_per_second")).isEqualTo(1000);
      assertThat(value(during, "ablserve_slot_busy{device=\"cpu\",slot=\"cpu-0\"}")).isEqualTo(1);
      assertThat(value(during, "ablserve_slot_resident_bytes{device=\"cpu\",slot=\"cpu-0\"}"))
          .as("inline: the server's own memory").isGreaterThan(16 << 20);
      assertThat(value(during, "ablserve_slot_gpu_memory_total_bytes{device=\"cpu\",slot=\"cpu-0\"}")).isZero();

      watching.cancel(null);
      Poll.until("the cancelled watch to be forgotten", WAIT,
          () -> value(scrape(port), "ablserve_active_watchers") == 0);
      trainer.release();
      Poll.until("both sessions to succeed", WAIT,
          () -> value(scrape(port), "ablserve_sessions{state=\"succeeded\"}") == 2);
      assertThat(value(scrape(port), "ablserve_training_images_per_second")).isZero();
    }
  }
}
