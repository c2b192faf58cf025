package io.ablserve.server.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TrainingQueueTest {
  private final TrainingQueue<String> queue = new TrainingQueue<>();

  private List<String> drain() throws InterruptedException {
    List<String> taken = new ArrayList<>();
    while (queue.size() > 0) {
      taken.add(queue.take());
    }
    return taken;
  }

  @Test
  void take_highestPriorityFirstThenFirstComeFirstServed() throws Exception {
    queue.add("a-low", "alice", -5);
    queue.add("b-zero", "bob", 0);
    queue.add("a-high", "alice", 10);
    queue.add("b-zero-later", "bob", 0);
    queue.add("r-high-later", "root", 10);

    assertThat(drain()).containsExactly("a-high", "r-high-later", "b-zero", "b-zero-later", "a-low");
  }

  @Test
  void positionOf_countsWhatWillBeTakenBefore() {
    queue.add("first", "alice", 0);
    queue.add("second", "alice", 0);
    assertThat(queue.positionOf("second")).isEqualTo(1);

    queue.add("urgent", "bob", 1);

    assertThat(queue.positionOf("urgent")).isZero();
    assertThat(queue.positionOf("first")).isEqualTo(1);
    assertThat(queue.positionOf("second")).isEqualTo(2);
    assertThat(queue.positionOf("never-added")).isEqualTo(-1);
  }

  @Test
  void remove_takesAnItemOutOnceAndMovesTheOthersUp() throws Exception {
    queue.add("first", "alice", 0);
    queue.add("second", "alice", 0);
    queue.add("third", "bob", 0);

    assertThat(queue.remove("second")).isTrue();
    assertThat(queue.remove("second")).isFalse();

    assertThat(queue.positionOf("third")).isEqualTo(1);
    assertThat(queue.positionOf("second")).isEqualTo(-1);
    assertThat(drain()).containsExactly("first", "third");
  }

  @Test
  void countOwnedBy_countsOnlyWhatIsStillQueued() throws Exception {
    queue.add("a1", "alice", 0);
    queue.add("a2", "alice", 3);
    queue.add("b1", "bob", 0);
    assertThat(queue.countOwnedBy("alice")).isEqualTo(2);

    queue.take(); // a2, the higher priority

    assertThat(queue.countOwnedBy("alice")).isEqualTo(1);
    assertThat(queue.countOwnedBy("bob")).isEqualTo(1);
    assertThat(queue.countOwnedBy("carol")).isZero();
  }

  @Test
  void take_waitsForAnAdd() throws Exception {
    CompletableFuture<String> taken = new CompletableFuture<>();
    Thread taker = new Thread(() -> {
      try {
        taken.complete(queue.take());
      } catch (InterruptedException e) {
        taken.completeExceptionally(e);
      }
    });
    taker.start();

    queue.add("late", "alice", 0);

    assertThat(taken.get(10, TimeUnit.SECONDS)).isEqualTo("late");
  }

  @Test
  void add_refusesAnItemQueuedAlready() {
    queue.add("once", "alice", 0);
    assertThatThrownBy(() -> queue.add("once", "alice", 1)).hasMessageContaining("queued already");
    assertThat(queue.size()).isEqualTo(1);
  }

  @Test
  void take_roundRobinsBetweenUsersWithinAPriority() throws Exception {
    for (int i = 1; i <= 4; i++) {
      queue.add("a" + i, "alice", 0);
    }
    queue.add("b1", "bob", 0);
    queue.add("b2", "bob", 0);
    queue.add("c1", "carol", 0);
    queue.add("a-urgent", "alice", 1);

    assertThat(queue.positionOf("c1")).isEqualTo(3);
    assertThat(drain()).containsExactly("a-urgent", "a1", "b1", "c1", "a2", "b2", "a3", "a4");
  }

  @Test
  void take_aUserJustServedWaitsBehindOneQueuedAfter() throws Exception {
    queue.add("a1", "alice", 0);
    queue.add("a2", "alice", 0);
    assertThat(queue.take()).isEqualTo("a1");

    queue.add("b1", "bob", 0); // after alice's turn: bob's comes before her next
    queue.add("a3", "alice", 0);

    assertThat(drain()).containsExactly("b1", "a2", "a3");

    queue.add("a4", "alice", 0); // the queue emptied while alice trained last: she is behind bob
    queue.add("b2", "bob", 0);
    assertThat(drain()).containsExactly("b2", "a4");
  }

  @Test
  void take_withAPredicate_passesOverWhatItDoesNotAccept_andLeavesItInPlace() throws Exception {
    queue.add("cpu-a1", "alice", 0);
    queue.add("gpu-b1", "bob", 0);
    queue.add("cpu-a2", "alice", 0);
    queue.add("gpu-a3", "alice", 5);

    assertThat(queue.take(item -> item.startsWith("gpu"))).isEqualTo("gpu-a3");
    assertThat(queue.take(item -> item.startsWith("gpu"))).isEqualTo("gpu-b1");

    assertThat(queue.positionOf("cpu-a1")).isZero();
    assertThat(drain()).containsExactly("cpu-a1", "cpu-a2");
  }

  @Test
  void take_withAPredicate_waitsForAnItemItAccepts_whileOthersArrive() throws Exception {
    CompletableFuture<String> taken = new CompletableFuture<>();
    Thread taker = new Thread(() -> {
      try {
        taken.complete(queue.take(item -> item.startsWith("gpu")));
      } catch (InterruptedException e) {
        taken.completeExceptionally(e);
      }
    });
    taker.start();

    queue.add("cpu-1", "alice", 0);
    queue.add("gpu-1", "bob", 0);

    assertThat(taken.get(10, TimeUnit.SECONDS)).isEqualTo("gpu-1");
    assertThat(drain()).containsExactly("cpu-1");
  }

  @Test
  void positionOf_withCompetition_countsOnlyTheItemsAheadThatCompete() {
    queue.add("gpu-1", "alice", 0);
    queue.add("cpu-1", "bob", 0);
    queue.add("gpu-2", "carol", 0);
    queue.add("cpu-2", "dave", 0);

    assertThat(queue.positionOf("cpu-2", other -> other.startsWith("cpu"))).isEqualTo(1);
    assertThat(queue.positionOf("gpu-2", other -> other.startsWith("gpu"))).isEqualTo(1);
    assertThat(queue.positionOf("cpu-2")).isEqualTo(3);
    assertThat(queue.positionOf("absent", other -> true)).isEqualTo(-1);
  }
}
