package io.ablserve.bench;

import io.ablserve.server.store.SqliteDatabase;
import io.ablserve.server.store.SqliteSessionStore;
import io.ablserve.server.store.StoreWriter;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.StepMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The store's writer, batched vs one commit per event, on a real SQLite file (issue #15 item 2).
 *
 * <p>per-event: every step event is its own transaction and its appender waits for it, as the trainer
 * did before the writer (one event per commit; here through the writer thread, which refuses writes from
 * any other). batched: events are queued ({@code appendEventLater}) and committed up to 256 or 2 ms at a
 * time. Two loads: a burst (the appender as fast as it can: events/s committed) and a paced trainer (one
 * step every {@code --pace-us}: latency from when the step was due to its commit, which is when EventLog
 * shows the event to watchers and signals them).
 *
 * <p>Args: {@code --events N} (default 20000), {@code --paced N} (default 5000), {@code --pace-us U}
 * (default 1000), {@code --sessions S} (default 4, events spread over them round-robin).
 */
public final class StoreWriterBench {
  private StoreWriterBench() {}

  public static void main(String[] args) throws Exception {
    int events = intArg(args, "--events", 20_000);
    int paced = intArg(args, "--paced", 5_000);
    int paceMicros = intArg(args, "--pace-us", 1000);
    int sessions = intArg(args, "--sessions", 4);
    System.out.printf(Locale.ROOT, "%-10s %-7s %8s %12s %14s %8s %8s %8s %8s%n",
        "mode", "load", "events", "events/s", "transactions", "p50 ms", "p90 ms", "p99 ms", "max ms");
    for (String mode : new String[] {"per-event", "batched"}) {
      run(mode, "burst", events, 0, sessions);
      run(mode, "paced", paced, paceMicros, sessions);
    }
  }

  private static void run(String mode, String load, int count, int paceMicros, int sessions)
      throws Exception {
    boolean batched = mode.equals("batched");
    Path dir = Files.createTempDirectory("store-writer-bench");
    try (SqliteDatabase db =
        SqliteDatabase.open(
            dir.resolve("ablserve.db"),
            batched ? StoreWriter.Settings.DEFAULTS : StoreWriter.Settings.UNBATCHED)) {
      db.writer().startAsync().awaitRunning();
      SqliteSessionStore store = new SqliteSessionStore(db);
      for (int s = 0; s < sessions; s++) {
        store.put(Session.newBuilder().setId("s" + s).setOwner("bench")
            .setState(SessionState.SESSION_STATE_RUNNING).build());
      }
      long transactionsBefore = db.writer().transactions();
      long[] latencyNanos = new long[count];
      CountDownLatch committed = new CountDownLatch(count);
      long[] next = new long[sessions];
      long start = System.nanoTime();
      for (int i = 0; i < count; i++) {
        long due = start + (long) i * paceMicros * 1000;
        if (paceMicros > 0) {
          while (System.nanoTime() < due) {
            LockSupport.parkNanos(due - System.nanoTime());
          }
        }
        int s = i % sessions;
        SessionEvent event = step(next[s]++, i);
        int index = i;
        // Paced, latency counts from when the step was due, so a commit that stalls the appender is
        // charged to every step it delays (no coordinated omission); in a burst, from the append.
        long appended = paceMicros > 0 ? due : System.nanoTime();
        if (batched) {
          store.appendEventLater("s" + s, event, failure -> {
            if (failure != null) {
              throw failure;
            }
            latencyNanos[index] = System.nanoTime() - appended;
            committed.countDown();
          });
        } else {
          store.appendEvent("s" + s, event);
          latencyNanos[index] = System.nanoTime() - appended;
          committed.countDown();
        }
      }
      if (!committed.await(10, TimeUnit.MINUTES)) {
        throw new IllegalStateException("events not committed in 10 minutes");
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long transactions = db.writer().transactions() - transactionsBefore;
      Arrays.sort(latencyNanos);
      System.out.printf(Locale.ROOT, "%-10s %-7s %8d %12.0f %14d %8.2f %8.2f %8.2f %8.2f%n",
          mode, load, count, count / seconds, transactions,
          latencyNanos[count / 2] / 1e6, latencyNanos[(int) (count * 0.9)] / 1e6,
          latencyNanos[(int) (count * 0.99)] / 1e6,
          latencyNanos[count - 1] / 1e6);
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static SessionEvent step(long sequence, int i) {
    return SessionEvent.newBuilder()
        .setSequence(sequence)
        .setTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_700_000_000L + i))
        .setStep(StepMetrics.newBuilder()
            .setEpoch(i / 1000).setStep(i).setBatchLoss(0.5).setObjective(0.4)
            .setLearningRate(0.1).setImagesPerSecond(2500))
        .build();
  }

  private static int intArg(String[] args, String name, int fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return fallback;
  }
}
