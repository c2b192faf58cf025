package io.ablserve.client.cli;

/** Whether the CLI talks to a person at a terminal, for the progress bars only they want. */
final class Terminal {
  private Terminal() {}

  /**
   * True when the JVM has an interactive console: stdin and stdout are a terminal, the usual case of a
   * person running the command. Redirected output (a log file, a pipe, CI) gets plain lines.
   */
  static boolean attached() {
    java.io.Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      // Java 22+ returns a console even when redirected; isTerminal() then says the truth.
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true; // Java 17-21: a console exists only for a terminal
    }
  }
}
