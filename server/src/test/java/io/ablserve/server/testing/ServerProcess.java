package io.ablserve.server.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real server, {@code io.ablserve.server.Main}, in a child JVM on this test's class path, for tests
 * that need a process to die the way a process dies.
 */
public final class ServerProcess implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("ablserve listening on .*:(\\d+)");

  private final Process process;
  private final int port;
  private final StringBuffer output;

  private ServerProcess(Process process, int port, StringBuffer output) {
    this.process = process;
    this.port = port;
    this.output = output;
  }

  /** Starts {@code Main} with {@code args} and waits until it prints the port it listens on. */
  public static ServerProcess start(String... args) throws Exception {
    return start(Map.of(), args);
  }

  /** Starts {@code Main} with {@code args} and {@code env} added to this process's environment. */
  public static ServerProcess start(Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dai.djl.offline=true");
    command.add("-Dai.djl.pytorch.num_threads=1");
    command.add("-Dai.djl.pytorch.num_interop_threads=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.ablserve.server.Main");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    StringBuffer output = new StringBuffer();
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                  output.append(line).append('\n');
                  Matcher m = LISTENING.matcher(line);
                  if (m.find()) {
                    port.complete(Integer.parseInt(m.group(1)));
                  }
                }
              } catch (IOException e) {
                // the process died; the port future says so below
              }
              port.completeExceptionally(new AssertionError("server exited:\n" + output));
            },
            "server-process-output");
    reader.setDaemon(true);
    reader.start();
    try {
      return new ServerProcess(process, port.get(60, TimeUnit.SECONDS), output);
    } catch (Exception e) {
      process.destroyForcibly();
      throw new AssertionError("server did not start:\n" + output, e);
    }
  }

  public int port() {
    return port;
  }

  public String output() {
    return output.toString();
  }

  /** Kills the process at once (SIGKILL): no shutdown hook runs, as in a crash or an OOM kill. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }
}
