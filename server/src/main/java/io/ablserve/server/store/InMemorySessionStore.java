package io.ablserve.server.store;

import static java.util.Objects.requireNonNull;

import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Keeps everything on the heap; sessions are lost when the process ends. */
public final class InMemorySessionStore implements SessionStore {
  private final Object lock = new Object();
  // Insertion order is creation order; list() reverses it. An event is at the index of its sequence; a
  // removed one leaves null there.
  private final Map<String, Session> sessions = new LinkedHashMap<>();
  private final Map<String, List<SessionEvent>> events = new LinkedHashMap<>();
  private final Map<String, Long> keys = new HashMap<>();
  private final HeapRequestIds requests = new HeapRequestIds();
  private long lastKey;

  @Override
  public void put(Session session) {
    requireNonNull(session, "session");
    synchronized (lock) {
      sessions.put(session.getId(), session);
      events.putIfAbsent(session.getId(), new ArrayList<>());
      keys.computeIfAbsent(session.getId(), id -> ++lastKey);
    }
  }

  @Override
  public Optional<Session> find(String sessionId) {
    synchronized (lock) {
      return Optional.ofNullable(sessions.get(sessionId));
    }
  }

  @Override
  public List<Session> list() {
    synchronized (lock) {
      List<Session> newestFirst = new ArrayList<>(sessions.values());
      Collections.reverse(newestFirst);
      return newestFirst;
    }
  }

  @Override
  public List<Listed<Session>> listPage(Optional<String> owner, long beforeKey, int limit) {
    synchronized (lock) {
      List<Listed<Session>> page = new ArrayList<>();
      for (Session session : list()) {
        long key = keys.get(session.getId());
        if (page.size() == limit) {
          break;
        }
        if (key < beforeKey && owner.map(session.getOwner()::equals).orElse(true)) {
          page.add(new Listed<>(key, session));
        }
      }
      return page;
    }
  }

  @Override
  public boolean delete(String sessionId) {
    synchronized (lock) {
      events.remove(sessionId);
      keys.remove(sessionId);
      requests.forget(sessionId);
      return sessions.remove(sessionId) != null;
    }
  }

  @Override
  public Optional<String> findRequest(String owner, String requestId) {
    synchronized (lock) {
      return requests.find(owner, requestId);
    }
  }

  @Override
  public String rememberRequest(String owner, String requestId, String sessionId) {
    synchronized (lock) {
      return requests.remember(owner, requestId, sessionId);
    }
  }

  @Override
  public void appendEvent(String sessionId, SessionEvent event) {
    requireNonNull(event, "event");
    synchronized (lock) {
      List<SessionEvent> log = events.get(sessionId);
      if (log == null) {
        throw new IllegalStateException("no session '" + sessionId + "' to append to");
      }
      if (event.getSequence() != log.size()) {
        throw new IllegalStateException(
            "event sequence " + event.getSequence() + " would leave a gap after " + log.size());
      }
      log.add(event);
    }
  }

  @Override
  public void putWithEvent(Session session, SessionEvent event) {
    synchronized (lock) {
      Session before = sessions.get(session.getId());
      put(session);
      try {
        appendEvent(session.getId(), event);
      } catch (RuntimeException e) {
        if (before == null) {
          sessions.remove(session.getId());
          events.remove(session.getId());
          keys.remove(session.getId());
        } else {
          sessions.put(before.getId(), before);
        }
        throw e;
      }
    }
  }

  @Override
  public void probe() {}

  @Override
  public void removeSuperseded(String sessionId, long afterSequence, long beforeSequence) {
    synchronized (lock) {
      List<SessionEvent> log = events.getOrDefault(sessionId, List.of());
      for (long s = Math.max(0, afterSequence + 1); s < Math.min(beforeSequence, log.size()); s++) {
        SessionEvent event = log.get((int) s);
        if (event != null && !event.hasState()) {
          log.set((int) s, null);
        }
      }
    }
  }

  @Override
  public List<SessionEvent> readEvents(String sessionId, long fromSequence, int maxCount) {
    synchronized (lock) {
      List<SessionEvent> log = events.getOrDefault(sessionId, List.of());
      List<SessionEvent> read = new ArrayList<>();
      for (long s = fromSequence; s < log.size() && read.size() < maxCount; s++) {
        SessionEvent event = log.get((int) s);
        if (event != null) {
          read.add(event);
        }
      }
      return read;
    }
  }

  @Override
  public long eventCount(String sessionId) {
    synchronized (lock) {
      return events.getOrDefault(sessionId, List.of()).size();
    }
  }
}
