package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.store.DatasetStore;
import io.ablserve.server.store.Listed;
import io.ablserve.server.store.SessionStore;
import io.ablserve.server.store.StoreException;
import io.ablserve.v1.Dataset;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Whether the server's store takes writes, learnt from the writes themselves: the stores handed out by
 * {@link #tracking} report every write, so the first {@link StoreException} (a full disk, a read-only
 * file) makes the store unwritable and the next successful write, often the {@link SessionManager}'s
 * periodic probe, makes it writable again. Listeners hear each change; the gRPC health status follows it.
 */
public final class StoreHealth {
  private static final Logger logger = Logger.getLogger(StoreHealth.class.getName());

  private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
  private boolean writable = true; // guarded by this
  private String lastError = ""; // guarded by this

  /** True unless the latest write failed. */
  public synchronized boolean writable() {
    return writable;
  }

  /** The latest write failure's message, while the store is unwritable. */
  public synchronized Optional<String> lastError() {
    return writable ? Optional.empty() : Optional.of(lastError);
  }

  /** Calls {@code listener} with the new value each time {@link #writable()} changes. */
  public void onChange(Consumer<Boolean> listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  void failed(StoreException e) {
    boolean changed;
    synchronized (this) {
      changed = writable;
      writable = false;
      lastError = String.valueOf(e.getMessage());
    }
    if (changed) {
      logger.warning("the store cannot be written; health is NOT_SERVING until it can: " + e.getMessage());
      listeners.forEach(l -> l.accept(false));
    }
  }

  void succeeded() {
    boolean changed;
    synchronized (this) {
      changed = !writable;
      writable = true;
      lastError = "";
    }
    if (changed) {
      logger.info("the store takes writes again; health is SERVING");
      listeners.forEach(l -> l.accept(true));
    }
  }

  /** {@code store}, reporting the outcome of each of its writes here. */
  SessionStore tracking(SessionStore store) {
    requireNonNull(store, "store");
    return new SessionStore() {
      @Override
      public void put(Session session) {
        write(() -> store.put(session));
      }

      @Override
      public void putWithEvent(Session session, SessionEvent event) {
        write(() -> store.putWithEvent(session, event));
      }

      @Override
      public void appendEvent(String sessionId, SessionEvent event) {
        write(() -> store.appendEvent(sessionId, event));
      }

      @Override
      public void appendEventLater(
          String sessionId, SessionEvent event, Consumer<RuntimeException> then) {
        store.appendEventLater(sessionId, event, tracked(then));
      }

      @Override
      public void putWithEventLater(
          Session session, SessionEvent event, Consumer<RuntimeException> then) {
        store.putWithEventLater(session, event, tracked(then));
      }

      @Override
      public void probe() {
        write(store::probe);
      }

      @Override
      public void removeSuperseded(String sessionId, long afterSequence, long beforeSequence) {
        write(() -> store.removeSuperseded(sessionId, afterSequence, beforeSequence));
      }

      @Override
      public Optional<Session> find(String sessionId) {
        return store.find(sessionId);
      }

      @Override
      public List<Session> list() {
        return store.list();
      }

      @Override
      public List<Listed<Session>> listPage(Optional<String> owner, long beforeKey, int limit) {
        return store.listPage(owner, beforeKey, limit);
      }

      @Override
      public boolean delete(String sessionId) {
        boolean[] deleted = new boolean[1];
        write(() -> deleted[0] = store.delete(sessionId));
        return deleted[0];
      }

      @Override
      public Optional<String> findRequest(String owner, String requestId) {
        return store.findRequest(owner, requestId);
      }

      @Override
      public String rememberRequest(String owner, String requestId, String sessionId) {
        String[] remembered = new String[1];
        write(() -> remembered[0] = store.rememberRequest(owner, requestId, sessionId));
        return remembered[0];
      }

      @Override
      public List<SessionEvent> readEvents(String sessionId, long fromSequence, int maxCount) {
        return store.readEvents(sessionId, fromSequence, maxCount);
      }

      @Override
      public long eventCount(String sessionId) {
        return store.eventCount(sessionId);
      }
    };
  }

  /** {@code store}, reporting the outcome of each of its writes here. */
  DatasetStore tracking(DatasetStore store) {
    requireNonNull(store, "store");
    return new DatasetStore() {
      @Override
      public void put(Dataset dataset) {
        write(() -> store.put(dataset));
      }

      @Override
      public boolean delete(String datasetId) {
        boolean[] deleted = new boolean[1];
        write(() -> deleted[0] = store.delete(datasetId));
        return deleted[0];
      }

      @Override
      public Optional<Dataset> find(String datasetId) {
        return store.find(datasetId);
      }

      @Override
      public List<Dataset> list() {
        return store.list();
      }

      @Override
      public List<Listed<Dataset>> listPage(Optional<String> owner, long beforeKey, int limit) {
        return store.listPage(owner, beforeKey, limit);
      }

      @Override
      public Optional<String> findRequest(String owner, String requestId) {
        return store.findRequest(owner, requestId);
      }

      @Override
      public String rememberRequest(String owner, String requestId, String datasetId) {
        String[] remembered = new String[1];
        write(() -> remembered[0] = store.rememberRequest(owner, requestId, datasetId));
        return remembered[0];
      }
    };
  }

  /** {@code then}, after reporting the outcome of the write it follows. */
  private Consumer<RuntimeException> tracked(Consumer<RuntimeException> then) {
    return failure -> {
      if (failure instanceof StoreException e) {
        failed(e);
      } else if (failure == null) {
        succeeded();
      }
      then.accept(failure);
    };
  }

  private void write(Runnable write) {
    try {
      write.run();
    } catch (StoreException e) {
      failed(e);
      throw e;
    }
    succeeded();
  }
}
