package io.ablserve.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The server's Prometheus endpoint, scraped over real HTTP as Prometheus would. */
public final class PrometheusScrape {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private PrometheusScrape() {}

  /** The text exposition at {@code http://127.0.0.1:PORT/metrics}; fails unless it answers 200. */
  public static String scrape(int port) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new AssertionError("metrics answered " + response.statusCode());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while scraping", e);
    }
  }

  /** The value of the sample line that starts with {@code series}, e.g. {@code foo{state="queued"}}. */
  public static double value(String scrape, String series) {
    return scrape
        .lines()
        .filter(line -> line.startsWith(series + " "))
        .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + series + " in\n" + scrape));
  }

  /** {@link #value} of a fresh scrape. */
  public static double value(int port, String series) {
    return value(scrape(port), series);
  }
}
