package io.ablserve.server.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class SessionLogContextTest {
  @Test
  void linesLoggedWhileASessionRuns_nameItOnce_andOthersStayAsTheyWere() throws Exception {
    Logger root = Logger.getAnonymousLogger();
    root.setUseParentHandlers(false);
    Recorder first = new Recorder();
    Recorder second = new Recorder();
    root.addHandler(first);
    root.addHandler(second);
    SessionLogContext.install(root);
    SessionLogContext.install(root); // idempotent

    root.info("before");
    try (SessionLogContext.Scope outer = SessionLogContext.enter("s-1")) {
      root.info("label 0 has the strongest evidence");
      try (SessionLogContext.Scope inner = SessionLogContext.enter("s-2")) {
        root.info("nested");
      }
      root.info("back");
      Thread other = new Thread(() -> root.info("another thread"));
      other.start();
      other.join();
    }
    root.info("after");

    assertThat(first.messages).containsExactly(
        "before", "session s-1: label 0 has the strongest evidence", "session s-2: nested",
        "session s-1: back", "another thread", "after");
    assertThat(second.messages).isEqualTo(first.messages);
  }

  private static final class Recorder extends Handler {
    final List<String> messages = new ArrayList<>();

    @Override
    public void publish(LogRecord record) {
      if (isLoggable(record)) {
        messages.add(record.getMessage());
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
