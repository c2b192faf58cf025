package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The sessions waiting for the trainer, highest priority first and first come first served within a
 * priority. A TreeSet under one lock rather than a {@code PriorityBlockingQueue}: queue positions need
 * the order itself, which a heap's iterator does not give, and a tie on priority needs the arrival number
 * to stay first in first out.
 */
final class TrainingQueue<T> {
  private static final Comparator<Entry<?>> ORDER =
      (a, b) -> a.priority() != b.priority()
          ? Integer.compare(b.priority(), a.priority())
          : Long.compare(a.arrival(), b.arrival());

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final TreeSet<Entry<T>> order = new TreeSet<>(ORDER); // guarded by lock
  private final Map<T, Entry<T>> entries = new HashMap<>(); // guarded by lock
  private long arrivals; // guarded by lock

  private record Entry<T>(T item, String owner, int priority, long arrival) {}

  /** Queues {@code item} behind everything of its priority or higher. */
  void add(T item, String owner, int priority) {
    requireNonNull(item, "item");
    requireNonNull(owner, "owner");
    lock.lock();
    try {
      if (entries.containsKey(item)) {
        throw new IllegalStateException(item + " is queued already");
      }
      Entry<T> entry = new Entry<>(item, owner, priority, arrivals++);
      order.add(entry);
      entries.put(item, entry);
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Takes the next item to train, waiting for one. */
  T take() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (order.isEmpty()) {
        notEmpty.await();
      }
      Entry<T> next = order.pollFirst();
      entries.remove(next.item());
      return next.item();
    } finally {
      lock.unlock();
    }
  }

  /** Removes {@code item}; false when it was not queued (taken already, or never added). */
  boolean remove(T item) {
    lock.lock();
    try {
      Entry<T> entry = entries.remove(item);
      return entry != null && order.remove(entry);
    } finally {
      lock.unlock();
    }
  }

  /** Items that will be taken before {@code item} (0 = next), or -1 when it is not queued. */
  int positionOf(T item) {
    lock.lock();
    try {
      Entry<T> entry = entries.get(item);
      return entry == null ? -1 : order.headSet(entry).size();
    } finally {
      lock.unlock();
    }
  }

  int size() {
    lock.lock();
    try {
      return order.size();
    } finally {
      lock.unlock();
    }
  }

  /** Queued items of {@code owner}. */
  int countOwnedBy(String owner) {
    lock.lock();
    try {
      int count = 0;
      for (Entry<T> entry : order) {
        if (entry.owner().equals(owner)) {
          count++;
        }
      }
      return count;
    } finally {
      lock.unlock();
    }
  }

  void clear() {
    lock.lock();
    try {
      order.clear();
      entries.clear();
    } finally {
      lock.unlock();
    }
  }
}
