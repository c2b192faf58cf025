package io.ablserve.server.api;

import io.ablserve.server.testing.TestServer;

/** The SessionService contract over the in-process transport. */
class InProcessSessionServiceTest extends SessionServiceContract {
  @Override
  TestServer.Transport transport() {
    return TestServer.Transport.IN_PROCESS;
  }
}
