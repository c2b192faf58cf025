package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.testing.BearerToken;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionServiceGrpc.SessionServiceBlockingStub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-user fairness of the training queue through the real scheduler: one slot, a scripted trainer that
 * holds the first session until released, and three users queueing behind it.
 */
class FairQueueTest {
  private static final String ALICE = "alice-token-0123456789";
  private static final String BOB = "bob-token-0123456789";
  private static final String CAROL = "carol-token-0123456789";

  @TempDir Path dir;
  private final ScriptedTrainer trainer = new ScriptedTrainer(1, true);
  private final Map<Long, String> names = new LinkedHashMap<>();
  private TestServer server;

  @AfterEach
  void stop() throws Exception {
    trainer.release();
    if (server != null) {
      server.close();
    }
  }

  private SessionServiceBlockingStub as(String token) {
    return SessionServiceGrpc.newBlockingStub(server.channel())
        .withCallCredentials(new BearerToken(token))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** Queues a session named {@code name} as {@code token}'s user; its seed tells the trainer which it is. */
  private String create(String token, String name, int priority) {
    long seed = names.size() + 1;
    names.put(seed, name);
    return as(token)
        .createSession(
            CreateSessionRequest.newBuilder()
                .setConfig(SessionConfig.newBuilder().setDisplayName(name).setSeed(seed))
                .setPriority(priority)
                .build())
        .getId();
  }

  private int position(String id) {
    return as(CAROL) // an admin: positions count every user's sessions anyway
        .getSession(GetSessionRequest.newBuilder().setSessionId(id).build())
        .getQueuePosition();
  }

  @Test
  void queue_takesUsersInTurnWithinAPriority_soOneUsersManySessionsDoNotStarveAnother()
      throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, ALICE + " alice\n" + BOB + " bob\n" + CAROL + " carol admin\n");
    ServerConfig config = TestServer.CONFIG.withTokenFile(tokens).withMaxQueuedPerUser(25);
    server = TestServer.start(TestServer.Transport.NETTY, config, new TestingTrainingModule(trainer));

    create(ALICE, "a0", 0);
    trainer.awaitStarted(); // alice's first holds the slot
    for (int i = 1; i <= 20; i++) {
      create(ALICE, "a" + i, 0);
    }
    create(BOB, "b1", 0);
    create(BOB, "b2", 0);
    String carols = create(CAROL, "c1", 0);
    create(ALICE, "a-urgent", 5);

    assertThat(position(carols))
        .as("behind alice's urgent one and bob's first; not behind alice's twenty")
        .isEqualTo(2);

    trainer.release();
    List<String> trained = new ArrayList<>();
    for (int i = 0; i < names.size() - 1; i++) {
      trained.add(names.get(trainer.awaitStarted().seed()));
    }
    assertThat(trained.subList(0, 6)).containsExactly("a-urgent", "b1", "c1", "a1", "b2", "a2");
    assertThat(trained.subList(6, trained.size()))
        .containsExactlyElementsOf(
            java.util.stream.IntStream.rangeClosed(3, 20).mapToObj(i -> "a" + i).toList());
  }
}
