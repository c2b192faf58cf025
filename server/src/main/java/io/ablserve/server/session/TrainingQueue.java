package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The sessions waiting for the trainer: highest priority first; within a priority, round-robin between
 * the users with sessions queued, each user's own in the order they came. A TreeSet under one lock rather
 * than a {@code PriorityBlockingQueue}: queue positions need the order itself, which a heap's iterator
 * does not give.
 *
 * <p>Fairness is start-time fair queueing with one session as the unit: a session gets a round, the
 * later of its owner's next round at its priority and the round last taken there, and rounds are taken in
 * order, arrival breaking ties. So one user's 20 queued sessions hold rounds 0 to 19, and another user's
 * single session queued after the first was taken gets the current round and trains next, instead of
 * after all 19. A user whose turn passed while they had nothing queued does not get it back.
 */
final class TrainingQueue<T> {
  private static final Comparator<Entry<?>> ORDER =
      Comparator.<Entry<?>>comparingInt(e -> -e.priority())
          .thenComparingLong(Entry::round)
          .thenComparingLong(Entry::arrival);

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition added = lock.newCondition();
  private final TreeSet<Entry<T>> order = new TreeSet<>(ORDER); // guarded by lock
  private final Map<T, Entry<T>> entries = new HashMap<>(); // guarded by lock
  private long arrivals; // guarded by lock
  /** Per priority, the round of the session taken last. Guarded by lock. */
  private final Map<Integer, Long> taken = new HashMap<>();
  /**
   * Per owner and priority, the round their next session gets at the least. Only values ahead of that
   * priority's {@link #taken} round are kept (the others change nothing), so it holds only the owners of
   * queued sessions and of the one taken last. Guarded by lock.
   */
  private final Map<OwnerPriority, Long> nextRound = new HashMap<>();

  private record Entry<T>(T item, String owner, int priority, long round, long arrival) {}

  private record OwnerPriority(String owner, int priority) {}

  /**
   * Queues {@code item} behind everything of a higher priority, and within its priority behind its
   * owner's queued items and one turn of each other user's (see the class comment).
   */
  void add(T item, String owner, int priority) {
    requireNonNull(item, "item");
    requireNonNull(owner, "owner");
    lock.lock();
    try {
      if (entries.containsKey(item)) {
        throw new IllegalStateException(item + " is queued already");
      }
      OwnerPriority key = new OwnerPriority(owner, priority);
      long round = Math.max(nextRound.getOrDefault(key, 0L), taken.getOrDefault(priority, 0L));
      nextRound.put(key, round + 1);
      Entry<T> entry = new Entry<>(item, owner, priority, round, arrivals++);
      order.add(entry);
      entries.put(item, entry);
      added.signalAll(); // takers differ in what they accept: each looks
    } finally {
      lock.unlock();
    }
  }

  /** Takes the next item to train, waiting for one. */
  T take() throws InterruptedException {
    return take(item -> true);
  }

  /** Takes the first item, in the queue's order, that {@code accepts}, waiting for one. */
  T take(Predicate<? super T> accepts) throws InterruptedException {
    requireNonNull(accepts, "accepts");
    lock.lockInterruptibly();
    try {
      Entry<T> next;
      while ((next = first(accepts)) == null) {
        added.await();
      }
      order.remove(next);
      entries.remove(next.item());
      long round = Math.max(next.round(), taken.getOrDefault(next.priority(), 0L));
      taken.put(next.priority(), round);
      // A next round not ahead of the one taken adds nothing to the max in add(): forget it.
      int priority = next.priority();
      nextRound.entrySet().removeIf(
          e -> e.getKey().priority() == priority && e.getValue() <= round);
      return next.item();
    } finally {
      lock.unlock();
    }
  }

  private Entry<T> first(Predicate<? super T> accepts) {
    for (Entry<T> entry : order) {
      if (accepts.test(entry.item())) {
        return entry;
      }
    }
    return null;
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
    return positionOf(item, other -> true);
  }

  /**
   * Items ahead of {@code item} that {@code competes} with it (may be taken by a taker that would take it),
   * or -1 when it is not queued.
   */
  int positionOf(T item, Predicate<? super T> competes) {
    lock.lock();
    try {
      Entry<T> entry = entries.get(item);
      if (entry == null) {
        return -1;
      }
      int ahead = 0;
      for (Entry<T> other : order.headSet(entry)) {
        if (competes.test(other.item())) {
          ahead++;
        }
      }
      return ahead;
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
      taken.clear();
      nextRound.clear();
    } finally {
      lock.unlock();
    }
  }
}
