package io.ablserve.server.metrics;

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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The Prometheus endpoint, scraped over real HTTP as Prometheus would. */
class MetricsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final HttpClient http = HttpClient.newHttpClient();

  private String scrape(int port) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  /** The value of the sample line that starts with {@code series}, e.g. {@code foo{state="queued"}}. */
  private static double value(String scrape, String series) {
    return scrape
        .lines()
        .filter(line -> line.startsWith(series + " "))
        .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + series + " in\n" + scrape));
  }

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
          () -> value(scrapeQuietly(port), "ablserve_active_watchers") == 1);
      String during = scrape(port);
      assertThat(value(during, "ablserve_sessions{state=\"running\"}")).isEqualTo(1);
      assertThat(value(during, "ablserve_sessions{state=\"queued\"}")).isEqualTo(1);
      assertThat(value(during, "ablserve_queue_length")).isEqualTo(1);
      assertThat(value(during, "ablserve_training_images_per_second")).isEqualTo(1000);

      watching.cancel(null);
      Poll.until("the cancelled watch to be forgotten", WAIT,
          () -> value(scrapeQuietly(port), "ablserve_active_watchers") == 0);
      trainer.release();
      Poll.until("both sessions to succeed", WAIT,
          () -> value(scrapeQuietly(port), "ablserve_sessions{state=\"succeeded\"}") == 2);
      assertThat(value(scrape(port), "ablserve_training_images_per_second")).isZero();
    }
  }

  private String scrapeQuietly(int port) {
    try {
      return scrape(port);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
