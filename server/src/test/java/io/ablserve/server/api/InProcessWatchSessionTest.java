package io.ablserve.server.api;

import io.ablserve.server.testing.TestServer;

/** The WatchSession contract over the in-process transport. */
class InProcessWatchSessionTest extends WatchSessionContract {
  @Override
  TestServer.Transport transport() {
    return TestServer.Transport.IN_PROCESS;
  }
}
