package io.ablserve.server.testing;

import com.google.inject.Module;
import io.ablserve.server.config.ServerConfig;
import java.io.IOException;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link TestServer} over a {@link ScriptedTrainer}, for {@code @RegisterExtension}: after each test
 * the trainer is released first, so no session stays blocked in it while the server closes.
 */
public final class ScriptedServer implements AfterEachCallback {
  private final ScriptedTrainer trainer = new ScriptedTrainer(1, true);
  private TestServer server;

  /** Starts a server over this extension's trainer with {@code store}; it is closed after the test. */
  public TestServer start(TestServer.Transport transport, ServerConfig config, Module store)
      throws IOException {
    server = TestServer.start(transport, config, new TestingTrainingModule(trainer), store);
    return server;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    trainer.release();
    if (server != null) {
      server.close();
    }
  }
}
