package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.server.testing.TestServer;
import org.junit.jupiter.api.Test;

/** The SessionService contract over the production Netty transport on a free port. */
class NettySessionServiceTest extends SessionServiceContract {
  @Override
  TestServer.Transport transport() {
    return TestServer.Transport.NETTY;
  }

  @Test
  void server_bindsARealPortWhenAskedForZero() throws Exception {
    start(new ScriptedTrainer(1, false));
    assertThat(server.port()).isPositive();
  }
}
