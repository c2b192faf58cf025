package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.BadRequest;
import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.store.StoreModule;
import io.ablserve.server.testing.ScriptedServer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.v1.CancelSessionRequest;
import io.ablserve.v1.DeleteSessionRequest;
import io.ablserve.v1.ListSessionsRequest;
import io.ablserve.v1.ListSessionsResponse;
import io.ablserve.v1.Session;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** page_size and page_token on ListSessions, over the durable store. */
class ListPagingTest {
  private static final String ALICE = "alice-token-0123456789";
  private static final String BOB = "bob-token-0123456789";

  @TempDir Path dir;
  @RegisterExtension final ScriptedServer scripted = new ScriptedServer();
  private TestServer server;

  /** Pages of 2 by default, at most 3; a per-user queue big enough for the test's sessions. */
  private void start() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), ALICE + " alice\n" + BOB + " bob\n");
    ServerConfig config =
        TestServer.CONFIG
            .withDataDir(dir.resolve("data"))
            .withTokenFile(tokens)
            .withMaxQueuedPerUser(20)
            .withApi(ServerConfig.DEFAULTS.api().withPageSizes(2, 3));
    server = scripted.start(TestServer.Transport.NETTY, config, new StoreModule());
  }

  private ListSessionsResponse page(String token, int size, String pageToken) {
    return server.blockingAs(token).listSessions(
        ListSessionsRequest.newBuilder().setPageSize(size).setPageToken(pageToken).build());
  }

  /** Every page from the first, in order, each page's ids in a list. */
  private List<List<String>> allPages(String token, int size) {
    List<List<String>> pages = new ArrayList<>();
    String pageToken = "";
    do {
      ListSessionsResponse response = page(token, size, pageToken);
      pages.add(response.getSessionsList().stream().map(Session::getId).toList());
      pageToken = response.getNextPageToken();
    } while (!pageToken.isEmpty());
    return pages;
  }

  @Test
  void listSessions_pagesNewestFirst_inStablePages_whileSessionsComeAndGo() throws Exception {
    start();
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      created.add(server.createSession(ALICE, i + 2));
      // bob's sessions interleave; alice never sees them
      server.createSession(BOB, i + 2);
    }
    List<String> newestFirst = new ArrayList<>(created);
    java.util.Collections.reverse(newestFirst);

    assertThat(allPages(ALICE, 3))
        .containsExactly(newestFirst.subList(0, 3), newestFirst.subList(3, 6), newestFirst.subList(6, 7));
    assertThat(allPages(ALICE, 0)).as("the server's default of 2").hasSize(4);
    assertThat(page(ALICE, 1000, "").getSessionsCount()).as("capped at the max of 3").isEqualTo(3);

    // Between pages: a new session and a deleted one on the first page move nothing on later pages.
    ListSessionsResponse first = page(ALICE, 3, "");
    server.createSession(ALICE, 30);
    String gone = newestFirst.get(1);
    server.blockingAs(ALICE)
        .cancelSession(CancelSessionRequest.newBuilder().setSessionId(gone).build());
    server.blockingAs(ALICE)
        .deleteSession(DeleteSessionRequest.newBuilder().setSessionId(gone).build());
    ListSessionsResponse second = page(ALICE, 3, first.getNextPageToken());
    assertThat(second.getSessionsList()).extracting(Session::getId)
        .containsExactlyElementsOf(newestFirst.subList(3, 6));
    ListSessionsResponse last = page(ALICE, 3, second.getNextPageToken());
    assertThat(last.getSessionsList()).extracting(Session::getId).containsExactly(newestFirst.get(6));
    assertThat(last.getNextPageToken()).isEmpty();
  }

  @Test
  void listSessions_refusesATokenItDidNotIssueAndANegativeSize_namingTheField() throws Exception {
    start();
    server.createSession(ALICE, 2);
    for (String bad : List.of("not a token", "eDE6MTI", "azE6LTE", "!!!!")) {
      assertThatThrownBy(() -> page(ALICE, 1, bad))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains("page_token must be");
            assertThat(fieldViolations(e)).containsExactly("page_token");
          });
    }
    assertThatThrownBy(() -> page(ALICE, -1, ""))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(fieldViolations(e)).containsExactly("page_size");
        });
  }

  static List<String> fieldViolations(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertThat(status).as("google.rpc.Status details").isNotNull();
    return status.getDetailsList().stream()
        .filter(any -> any.is(BadRequest.class))
        .flatMap(any -> {
          try {
            return any.unpack(BadRequest.class).getFieldViolationsList().stream();
          } catch (com.google.protobuf.InvalidProtocolBufferException x) {
            throw new AssertionError(x);
          }
        })
        .map(BadRequest.FieldViolation::getField)
        .toList();
  }
}
