package io.ablserve.server.api;

import io.ablserve.server.testing.TestServer;

/** The WatchSession contract over the production Netty transport on a free port. */
class NettyWatchSessionTest extends WatchSessionContract {
  @Override
  TestServer.Transport transport() {
    return TestServer.Transport.NETTY;
  }
}
