package io.ablserve.server.store;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.AbstractExecutionThreadService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The only thread that writes the {@link SqliteDatabase}: writes are queued from any thread and committed
 * in batches, one transaction for up to {@link Settings#maxBatch} of them, so a burst of step events
 * costs one commit rather than one each, and no gRPC or trainer thread ever holds the database for a
 * write. A batch that fails is rolled back and its writes committed one by one, so each caller learns its
 * own outcome (a full disk fails them all; a gap in one session's log fails that write alone). Writes
 * commit in the order they were queued.
 */
public final class StoreWriter extends AbstractExecutionThreadService {
  /** The writer thread's name, which a write can be checked against. */
  public static final String THREAD_NAME = "ablserve-store-writer";

  private static final Logger logger = Logger.getLogger(StoreWriter.class.getName());

  /**
   * How writes are grouped: up to {@code maxBatch} per transaction, and after the first of a batch the
   * writer waits up to {@code linger} for more (0: it takes what is queued and commits at once).
   */
  public record Settings(int maxBatch, Duration linger) {
    /** 256 writes, 2 ms: a watcher sees a step within a few milliseconds of its commit. */
    public static final Settings DEFAULTS = new Settings(256, Duration.ofMillis(2));

    /** One write per transaction, as the store committed before the writer existed. */
    public static final Settings UNBATCHED = new Settings(1, Duration.ZERO);

    public Settings {
      if (maxBatch < 1) {
        throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
      }
      requireNonNull(linger, "linger");
    }
  }

  /** A queued write and what to do with its outcome. */
  private record Write<T>(String what, SqliteDatabase.Work<T> work, BiConsumer<T, RuntimeException> done) {}

  private final SqliteDatabase db;
  private final Settings settings;
  private final BlockingQueue<Write<?>> queue = new LinkedBlockingQueue<>();
  private final AtomicLong transactions = new AtomicLong();
  private final AtomicLong committed = new AtomicLong();
  private volatile Thread thread;

  StoreWriter(SqliteDatabase db, Settings settings) {
    this.db = requireNonNull(db, "db");
    this.settings = requireNonNull(settings, "settings");
  }

  /** Queues {@code work} and waits for its commit; its result, or the StoreException that failed it. */
  <T> T write(String what, SqliteDatabase.Work<T> work) {
    if (isWriterThread()) {
      throw new IllegalStateException("the store writer cannot wait for itself: " + what);
    }
    CompletableFuture<T> outcome = new CompletableFuture<>();
    writeLater(what, work, (result, failure) -> {
      if (failure == null) {
        outcome.complete(result);
      } else {
        outcome.completeExceptionally(failure);
      }
    });
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return outcome.get();
        } catch (InterruptedException e) {
          interrupted = true; // the write is queued; its caller must learn whether it was stored
        } catch (ExecutionException e) {
          if (e.getCause() instanceof RuntimeException r) {
            r.addSuppressed(new Exception("waited for by " + Thread.currentThread().getName()));
            throw r;
          }
          throw new StoreException("cannot " + what + ": " + e.getCause(), e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Queues {@code work} and returns at once; {@code done} gets its result or failure on the writer thread,
   * in the order writes were queued. It must be quick: the next batch waits for it.
   */
  <T> void writeLater(String what, SqliteDatabase.Work<T> work, BiConsumer<T, RuntimeException> done) {
    Write<T> write = new Write<>(requireNonNull(what, "what"), requireNonNull(work, "work"), done);
    State state = state();
    if (state == State.NEW || state == State.TERMINATED || state == State.FAILED) {
      throw new IllegalStateException(
          "cannot " + what + ": the store writer is " + state.name().toLowerCase(java.util.Locale.ROOT));
    }
    queue.add(write);
    // Queued as the writer finished its last drain: fail it rather than leave its caller waiting.
    if (!isRunningOrStopping() && queue.remove(write)) {
      finish(write, null, new StoreException("cannot " + what + ": the store is closed", null));
    }
  }

  private boolean isRunningOrStopping() {
    State state = state();
    return state == State.STARTING || state == State.RUNNING || state == State.STOPPING;
  }

  /** True on the writer thread. */
  boolean isWriterThread() {
    return Thread.currentThread() == thread;
  }

  /** Transactions committed so far. */
  public long transactions() {
    return transactions.get();
  }

  /** Writes committed so far. */
  public long writesCommitted() {
    return committed.get();
  }

  @Override
  protected String serviceName() {
    return THREAD_NAME;
  }

  @Override
  protected void startUp() {
    thread = Thread.currentThread();
  }

  @Override
  protected void run() throws InterruptedException {
    List<Write<?>> batch = new ArrayList<>(settings.maxBatch());
    // Stopping drains the queue: writes queued before the stop (a session's INTERRUPTED state) commit.
    while (isRunning() || !queue.isEmpty()) {
      Write<?> first = queue.poll(50, TimeUnit.MILLISECONDS);
      if (first == null) {
        continue;
      }
      batch.add(first);
      gather(batch);
      commit(batch);
      batch.clear();
    }
  }

  private void gather(List<Write<?>> batch) throws InterruptedException {
    queue.drainTo(batch, settings.maxBatch() - batch.size());
    long deadline = System.nanoTime() + settings.linger().toNanos();
    while (batch.size() < settings.maxBatch()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      Write<?> next = queue.poll(left, TimeUnit.NANOSECONDS);
      if (next == null) {
        return;
      }
      batch.add(next);
      queue.drainTo(batch, settings.maxBatch() - batch.size());
    }
  }

  @Override
  protected void triggerShutdown() {
    // run() polls with a timeout and sees isRunning() turn false; nothing to interrupt.
  }

  @Override
  protected void shutDown() {
    List<Write<?>> left = new ArrayList<>();
    queue.drainTo(left);
    for (Write<?> write : left) {
      finish(write, null, new StoreException("cannot " + write.what() + ": the store is closed", null));
    }
  }

  private void commit(List<Write<?>> batch) {
    Object[] results = new Object[batch.size()];
    try {
      db.transaction(
          "commit " + batch.size() + " writes",
          c -> {
            for (int i = 0; i < batch.size(); i++) {
              results[i] = batch.get(i).work().run(c);
            }
            return null;
          });
    } catch (RuntimeException batchFailure) {
      commitOneByOne(batch);
      return;
    }
    transactions.incrementAndGet();
    committed.addAndGet(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      finish(batch.get(i), results[i], null);
    }
  }

  private void commitOneByOne(List<Write<?>> batch) {
    for (Write<?> write : batch) {
      Object result;
      try {
        result = db.transaction(write.what(), write.work());
      } catch (RuntimeException e) {
        finish(write, null, e);
        continue;
      }
      transactions.incrementAndGet();
      committed.incrementAndGet();
      finish(write, result, null);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> void finish(Write<T> write, Object result, RuntimeException failure) {
    try {
      write.done().accept((T) result, failure);
    } catch (RuntimeException e) {
      logger.log(Level.WARNING, "the outcome of '" + write.what() + "' was not handled", e);
    }
  }
}
