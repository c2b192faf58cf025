package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import java.util.logging.Filter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Names the session a thread works for in the log lines written on it. The training core knows nothing of
 * sessions and logs without an id; while the trainer runs a session, every record logged on its thread gets
 * {@code "session <id>: "} in front, through a filter {@link #install}ed on the root logger's handlers
 * (java.util.logging has no MDC; a handler's filter runs on the logging thread).
 */
public final class SessionLogContext {
  private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

  private SessionLogContext() {}

  /** Until the scope closes, this thread's log lines name {@code sessionId}. */
  static Scope enter(String sessionId) {
    String outer = CURRENT.get();
    CURRENT.set(requireNonNull(sessionId, "sessionId"));
    return () -> {
      if (outer == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(outer);
      }
    };
  }

  /** Prefixes records of the current thread's session on every handler of {@code root}, once. */
  public static void install(Logger root) {
    for (Handler handler : root.getHandlers()) {
      if (!(handler.getFilter() instanceof Prefixing)) {
        handler.setFilter(new Prefixing(handler.getFilter()));
      }
    }
  }

  /** The session scope of {@link #enter}; closing it restores the thread's previous one. */
  @FunctionalInterface
  interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  /** A handler filter that prefixes the session id, then asks the handler's own filter, if any. */
  private record Prefixing(Filter next) implements Filter {
    @Override
    public boolean isLoggable(LogRecord record) {
      String id = CURRENT.get();
      String message = record.getMessage();
      // One record can reach several handlers: prefix it once.
      if (id != null && message != null && !message.startsWith("session " + id)) {
        record.setMessage("session " + id + ": " + message);
      }
      return next == null || next.isLoggable(record);
    }
  }
}
