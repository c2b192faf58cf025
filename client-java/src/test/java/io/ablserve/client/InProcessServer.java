package io.ablserve.client;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/** A {@link ScriptedSessionService} and a {@link ScriptedResultsService} in-process, with a channel. */
public final class InProcessServer implements AutoCloseable {
  public final ScriptedSessionService service = new ScriptedSessionService();
  public final ScriptedResultsService results = new ScriptedResultsService();
  public final ManagedChannel channel;
  private final Server server;

  public InProcessServer() {
    String name = InProcessServerBuilder.generateName();
    try {
      server =
          InProcessServerBuilder.forName(name).addService(service).addService(results).build().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
