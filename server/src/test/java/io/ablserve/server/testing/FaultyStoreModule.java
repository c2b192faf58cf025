package io.ablserve.server.testing;

import com.google.inject.AbstractModule;
import com.google.inject.Module;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.util.Modules;
import io.ablserve.server.store.Listed;
import io.ablserve.server.store.SessionStore;
import io.ablserve.server.store.SqliteDatabase;
import io.ablserve.server.store.SqliteSessionStore;
import io.ablserve.server.store.StoreException;
import io.ablserve.server.store.StoreModule;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The durable {@link StoreModule} whose session store fails writes on demand, as SQLite does on a full
 * disk ({@code SQLITE_FULL}): the fault is injected above the real store, so no tmpfs or root is needed.
 * Reads always work, as they do on a full disk.
 */
public final class FaultyStoreModule extends AbstractModule {
  /** The switch: how many of the next writes fail; {@link #ALWAYS} until {@link #heal}. */
  public static final class Fault {
    public static final int ALWAYS = Integer.MAX_VALUE;

    private final AtomicInteger failing = new AtomicInteger();
    private volatile SessionStore real;
    private volatile boolean failFromStart;

    /** Fails the next {@code writes} writes (probes included), or every write with {@link #ALWAYS}. */
    public void failNext(int writes) {
      failing.set(writes);
    }

    /**
     * Fails every write from the one that would store a session RUNNING on, as a disk that fills as the
     * trainer takes a session; until {@link #heal}.
     */
    public void failFromNextStart() {
      failFromStart = true;
    }

    public void heal() {
      failFromStart = false;
      failing.set(0);
    }

    void checkStart(SessionEvent event) {
      if (failFromStart
          && event.hasState()
          && event.getState().getState() == io.ablserve.v1.SessionState.SESSION_STATE_RUNNING) {
        failFromStart = false;
        failing.set(ALWAYS);
      }
    }

    /** The store under the fault, to compare what it holds with what the server says. */
    public SessionStore real() {
      return real;
    }

    void check(String what) {
      if (failing.getAndUpdate(n -> n == ALWAYS || n == 0 ? n : n - 1) > 0) {
        throw new StoreException(
            "cannot " + what + " in ablserve.db: [SQLITE_FULL] database or disk is full",
            new SQLException("[SQLITE_FULL] database or disk is full", "", 13));
      }
    }
  }

  private final Fault fault;

  private FaultyStoreModule(Fault fault) {
    this.fault = fault;
  }

  /** {@link StoreModule} with its session store behind {@code fault}. */
  public static Module of(Fault fault) {
    return Modules.override(new StoreModule()).with(new FaultyStoreModule(fault));
  }

  @Provides
  @Singleton
  SessionStore sessionStore(SqliteDatabase db) {
    SessionStore real = new SqliteSessionStore(db);
    fault.real = real;
    return new SessionStore() {
      @Override
      public void put(Session session) {
        fault.check("store session " + session.getId());
        real.put(session);
      }

      @Override
      public void putWithEvent(Session session, SessionEvent event) {
        fault.checkStart(event);
        fault.check("store session " + session.getId() + " with an event");
        real.putWithEvent(session, event);
      }

      @Override
      public void appendEvent(String sessionId, SessionEvent event) {
        fault.check("append event " + event.getSequence() + " of session " + sessionId);
        real.appendEvent(sessionId, event);
      }

      @Override
      public void probe() {
        fault.check("write a probe row");
        real.probe();
      }

      @Override
      public Optional<Session> find(String sessionId) {
        return real.find(sessionId);
      }

      @Override
      public List<Session> list() {
        return real.list();
      }

      @Override
      public void removeSuperseded(String sessionId, long afterSequence, long beforeSequence) {
        fault.check("remove superseded events of session " + sessionId);
        real.removeSuperseded(sessionId, afterSequence, beforeSequence);
      }

      @Override
      public List<Listed<Session>> listPage(Optional<String> owner, long beforeKey, int limit) {
        return real.listPage(owner, beforeKey, limit);
      }

      @Override
      public boolean delete(String sessionId) {
        fault.check("delete session " + sessionId);
        return real.delete(sessionId);
      }

      @Override
      public Optional<String> findRequest(String owner, String requestId) {
        return real.findRequest(owner, requestId);
      }

      @Override
      public String rememberRequest(String owner, String requestId, String sessionId) {
        fault.check("store a request id");
        return real.rememberRequest(owner, requestId, sessionId);
      }

      @Override
      public List<SessionEvent> readEvents(String sessionId, long fromSequence, int maxCount) {
        return real.readEvents(sessionId, fromSequence, maxCount);
      }

      @Override
      public long eventCount(String sessionId) {
        return real.eventCount(sessionId);
      }
    };
  }
}
