package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.config.ServerConfig;
import io.ablserve.server.testing.BearerToken;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import io.ablserve.server.testing.TestingTrainingModule;
import io.ablserve.v1.CancelSessionRequest;
import io.ablserve.v1.CreateSessionRequest;
import io.ablserve.v1.DeviceSlot;
import io.ablserve.v1.GetSessionRequest;
import io.ablserve.v1.ListDevicesRequest;
import io.ablserve.v1.ListDevicesResponse;
import io.ablserve.v1.ListSessionsRequest;
import io.ablserve.v1.ResumeSessionRequest;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionConfig;
import io.ablserve.v1.SessionServiceGrpc;
import io.ablserve.v1.SessionServiceGrpc.SessionServiceBlockingStub;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.Channel;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.testing.TlsTesting;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bearer tokens, per-user visibility and TLS, over the production Netty transport. */
class AuthTest {
  private static final String ALICE = "alice-token-0123456789";
  private static final String BOB = "bob-token-0123456789";
  private static final String ROOT = "root-token-0123456789";

  @TempDir Path dir;
  private final ScriptedTrainer trainer = new ScriptedTrainer(1, true);
  private TestServer server;

  private ServerConfig config() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(
        tokens, "# test users\n" + ALICE + " alice\n" + BOB + " bob\n" + ROOT + " root admin\n");
    return TestServer.CONFIG.withTokenFile(tokens);
  }

  private void start(ServerConfig config) throws Exception {
    server =
        TestServer.start(TestServer.Transport.NETTY, config, new TestingTrainingModule(trainer));
  }

  @AfterEach
  void stop() throws Exception {
    trainer.release();
    if (server != null) {
      server.close();
    }
  }

  private static SessionServiceBlockingStub as(Channel channel, String token) {
    SessionServiceBlockingStub stub =
        SessionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    return token == null ? stub : stub.withCallCredentials(new BearerToken(token));
  }

  private static Session create(SessionServiceBlockingStub stub) {
    return stub.createSession(
        CreateSessionRequest.newBuilder().setConfig(SessionConfig.getDefaultInstance()).build());
  }

  @Test
  void missingOrUnknownToken_isUnauthenticatedButHealthStaysOpen() throws Exception {
    start(config());

    ServiceTestBase.assertStatus(
        () -> create(as(server.channel(), null)), Status.Code.UNAUTHENTICATED, "authorization");
    ServiceTestBase.assertStatus(
        () -> as(server.channel(), "not-a-known-token-at-all")
            .listSessions(ListSessionsRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED, "unknown bearer token");
    assertThat(
            HealthGrpc.newBlockingStub(server.channel())
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void otherUsersSessions_areNotFoundWhileAdminSeesAll() throws Exception {
    start(config());
    SessionServiceBlockingStub alice = as(server.channel(), ALICE);
    SessionServiceBlockingStub bob = as(server.channel(), BOB);
    SessionServiceBlockingStub root = as(server.channel(), ROOT);
    Session alices = create(alice);
    Session bobs = create(bob);
    assertThat(alices.getOwner()).isEqualTo("alice");

    String id = alices.getId();
    ServiceTestBase.assertStatus(
        () -> bob.getSession(GetSessionRequest.newBuilder().setSessionId(id).build()),
        Status.Code.NOT_FOUND, id);
    ServiceTestBase.assertStatus(
        () -> bob.cancelSession(CancelSessionRequest.newBuilder().setSessionId(id).build()),
        Status.Code.NOT_FOUND, id);
    ServiceTestBase.assertStatus(
        () -> bob.resumeSession(ResumeSessionRequest.newBuilder().setSessionId(id).build()),
        Status.Code.NOT_FOUND, id);
    ServiceTestBase.assertStatus(
        () -> bob.watchSession(WatchSessionRequest.newBuilder().setSessionId(id).build())
            .forEachRemaining(e -> {}),
        Status.Code.NOT_FOUND, id);
    assertThat(bob.listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList())
        .extracting(Session::getId).containsExactly(bobs.getId());

    assertThat(root.listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList())
        .extracting(Session::getId).containsExactly(bobs.getId(), id);
    assertThat(root.getSession(GetSessionRequest.newBuilder().setSessionId(id).build()).getOwner())
        .isEqualTo("alice");
    Session cancelled =
        root.cancelSession(CancelSessionRequest.newBuilder().setSessionId(bobs.getId()).build());
    assertThat(cancelled.getState()).isEqualTo(SessionState.SESSION_STATE_CANCELLED);
  }

  @Test
  void listDevices_namesTheRunningSessionToItsOwnerAndAdminsOnly() throws Exception {
    start(config());
    String id = create(as(server.channel(), ALICE)).getId();
    trainer.awaitStarted();

    DeviceSlot seenByBob = slot(BOB);
    assertThat(seenByBob.getBusy()).as("a busy slot is busy to everyone").isTrue();
    assertThat(seenByBob.getSessionId()).isEmpty();
    assertThat(slot(ALICE).getSessionId()).isEqualTo(id);
    assertThat(slot(ROOT).getSessionId()).isEqualTo(id);
  }

  @Test
  void listDevices_countsEveryUsersQueuedSessionsForAnyCaller() throws Exception {
    start(config());
    SessionServiceBlockingStub alice = as(server.channel(), ALICE);
    create(alice);
    trainer.awaitStarted();
    create(alice);
    create(alice);

    // Bob sees none of Alice's sessions, but the server's load: two waiting, one slot busy.
    ListDevicesResponse seenByBob = as(server.channel(), BOB).listDevices(ListDevicesRequest.getDefaultInstance());
    assertThat(seenByBob.hasQueuedSessions()).isTrue();
    assertThat(seenByBob.getQueuedSessions()).isEqualTo(2);
    assertThat(seenByBob.getSlotsList()).extracting(DeviceSlot::getBusy).containsExactly(true);
    assertThat(seenByBob.getSlots(0).getResidentBytes())
        .as("inline: the server's own memory, training the session").isGreaterThan(16L << 20);
    assertThat(as(server.channel(), BOB).listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList())
        .isEmpty();
  }

  private DeviceSlot slot(String token) {
    return as(server.channel(), token)
        .listDevices(ListDevicesRequest.getDefaultInstance())
        .getSlots(0);
  }

  @Test
  void tls_servesClientsThatTrustTheCertificate() throws Exception {
    Path cert = copy("server1.pem");
    Path key = copy("server1.key");
    Path ca = copy("ca.pem");
    start(config().withTls(cert, key));

    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1",
                server.port(),
                TlsChannelCredentials.newBuilder().trustManager(ca.toFile()).build())
            .overrideAuthority("foo.test.google.fr") // a name in server1.pem
            .build();
    try {
      assertThat(create(as(channel, ALICE)).getOwner()).isEqualTo("alice");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private Path copy(String name) throws Exception {
    Path file = dir.resolve(name);
    try (InputStream in = TlsTesting.loadCert(name)) {
      Files.copy(in, file);
    }
    return file;
  }
}
