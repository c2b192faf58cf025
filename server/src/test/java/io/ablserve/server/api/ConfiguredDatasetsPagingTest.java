package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.Module;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.session.ConfiguredDatasets;
import io.ablserve.server.store.InMemoryStoreModule;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.v1.Dataset;
import io.ablserve.v1.DatasetServiceGrpc;
import io.ablserve.v1.ListConfiguredDatasetsRequest;
import io.ablserve.v1.ListConfiguredDatasetsResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** page_size and page_token on ListConfiguredDatasets, as on the other List calls. */
class ConfiguredDatasetsPagingTest {
  private static final List<String> NAMES = List.of("alpha", "beta", "delta", "epsilon", "gamma");

  @TempDir Path dir;
  private final ScriptedTrainer trainer = new ScriptedTrainer(1, false);
  private TestServer server;

  /**
   * Five configured datasets (empty folders: listing reads no pixels) in place of the shared test
   * catalog's; pages of 2 by default, at most 3.
   */
  private void start() throws Exception {
    Map<String, Path> roots = new LinkedHashMap<>();
    for (String name : List.of("gamma", "alpha", "epsilon", "beta", "delta")) {
      roots.put(name, dir.resolve(name));
    }
    Module configured = new AbstractModule() {
      @Provides
      @Singleton
      ConfiguredDatasets configuredDatasets() {
        return new ConfiguredDatasets(new DatasetCatalog(roots));
      }
    };
    server = TestServer.start(
        TestServer.Transport.NETTY,
        TestServer.CONFIG.withApi(ServerConfig.DEFAULTS.api().withPageSizes(2, 3)),
        new TestingTrainingModule(trainer), new InMemoryStoreModule(), configured);
  }

  @AfterEach
  void stop() throws Exception {
    trainer.release();
    if (server != null) {
      server.close();
    }
  }

  private ListConfiguredDatasetsResponse page(int size, String token) {
    return DatasetServiceGrpc.newBlockingStub(server.channel())
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .listConfiguredDatasets(
            ListConfiguredDatasetsRequest.newBuilder().setPageSize(size).setPageToken(token).build());
  }

  private List<List<String>> allPages(int size) {
    List<List<String>> pages = new ArrayList<>();
    String token = "";
    do {
      ListConfiguredDatasetsResponse response = page(size, token);
      pages.add(response.getDatasetsList().stream().map(Dataset::getName).toList());
      token = response.getNextPageToken();
    } while (!token.isEmpty());
    return pages;
  }

  @Test
  void listConfiguredDatasets_pagesByName_withTheServersSizes() throws Exception {
    start();

    assertThat(allPages(3)).containsExactly(NAMES.subList(0, 3), NAMES.subList(3, 5));
    assertThat(allPages(0))
        .as("the server's default of 2")
        .containsExactly(NAMES.subList(0, 2), NAMES.subList(2, 4), NAMES.subList(4, 5));
    assertThat(page(1000, "").getDatasetsCount()).as("capped at the max of 3").isEqualTo(3);
    ListConfiguredDatasetsResponse last = page(3, page(2, "").getNextPageToken());
    assertThat(last.getDatasetsList()).extracting(Dataset::getName)
        .containsExactlyElementsOf(NAMES.subList(2, 5));
    assertThat(last.getNextPageToken()).as("the rest fit: no next page").isEmpty();
  }

  @Test
  void listConfiguredDatasets_refusesAnotherListsTokenAndANegativeSize() throws Exception {
    start();
    String sessionsToken = Paging.encode(2); // as ListSessions and ListDatasets issue them

    for (String bad : List.of(sessionsToken, "not a token", "!!!!")) {
      assertThatThrownBy(() -> page(2, bad))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains("page_token must be");
            assertThat(ListPagingTest.fieldViolations(e)).containsExactly("page_token");
          });
    }
    assertThatThrownBy(() -> page(-1, ""))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
            assertThat(ListPagingTest.fieldViolations(e)).containsExactly("page_size"));
  }
}
