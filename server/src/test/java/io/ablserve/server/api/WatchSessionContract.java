package io.ablserve.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ablserve.server.testing.Poll;
import io.ablserve.server.testing.ScriptedTrainer;
import io.ablserve.v1.Session;
import io.ablserve.v1.SessionEvent;
import io.ablserve.v1.SessionEvent.EventCase;
import io.ablserve.v1.SessionState;
import io.ablserve.v1.WatchSessionRequest;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** WatchSession's replay, follow and flow control through a real async stub, per transport. */
abstract class WatchSessionContract extends ServiceTestBase {

  EventCollector watchAsync(String id, long from, boolean follow, EventCollector collector) {
    server
        .async()
        .watchSession(
            WatchSessionRequest.newBuilder()
                .setSessionId(id)
                .setFromSequence(from)
                .setFollow(follow)
                .build(),
            collector);
    return collector;
  }

  static void assertGapFreeFrom(long first, List<SessionEvent> events) {
    assertThat(events)
        .extracting(SessionEvent::getSequence)
        .containsExactlyElementsOf(
            LongStream.range(first, first + events.size()).boxed().toList());
  }

  static void assertEndsSucceeded(List<SessionEvent> events) {
    assertThat(events.get(events.size() - 2).getEventCase()).isEqualTo(EventCase.RESULT);
    assertThat(lastState(events)).isEqualTo(SessionState.SESSION_STATE_SUCCEEDED);
  }

  @Test
  void watch_deliversGapFreeEventsEndingWithFinalResultThenSucceeded() throws Exception {
    start(new ScriptedTrainer(25, false));
    Session session = create(config(b -> b));

    List<SessionEvent> events = watch(session.getId(), 0, true);

    assertGapFreeFrom(0, events);
    assertThat(events).allMatch(SessionEvent::hasTime);
    assertThat(events.get(0).getState().getState()).isEqualTo(SessionState.SESSION_STATE_QUEUED);
    assertThat(events.get(1).getState().getState()).isEqualTo(SessionState.SESSION_STATE_RUNNING);
    assertThat(events)
        .extracting(SessionEvent::getEventCase)
        .contains(EventCase.STEP, EventCase.EPOCH, EventCase.PHASE, EventCase.ISOLATION);
    assertThat(events).filteredOn(SessionEvent::hasStep).hasSize(25);
    assertThat(events.stream().filter(SessionEvent::hasIsolation).findFirst().orElseThrow()
            .getIsolation().getIndicesList()).containsExactly(7, 3);
    assertEndsSucceeded(events);
    assertThat(events.get(events.size() - 2).getResult().getCleanAccuracy()).isEqualTo(0.9);
    assertThat(get(session.getId()).getResult().getEpochs()).isEqualTo(2);
  }

  @Test
  void watch_fromSequenceReplaysFromThatEvent() throws Exception {
    start(new ScriptedTrainer(5, false));
    Session session = create(config(b -> b));
    List<SessionEvent> all = watch(session.getId(), 0, true);

    List<SessionEvent> replay = watch(session.getId(), 4, true);

    assertThat(replay.get(0).getSequence()).isEqualTo(4);
    assertThat(replay).isEqualTo(all.subList(4, all.size()));
    assertThat(watch(session.getId(), all.size(), true)).as("just past the end: nothing more").isEmpty();
  }

  @Test
  void watch_fromSequenceBeyondTheEndOfAFinishedLog_isOutOfRangeNamingTheLastSequence()
      throws Exception {
    start(new ScriptedTrainer(5, false));
    Session session = create(config(b -> b));
    List<SessionEvent> all = watch(session.getId(), 0, true);

    assertStatus(
        () -> watch(session.getId(), all.size() + 1, true), Status.Code.OUT_OF_RANGE,
        "last event is sequence " + (all.size() - 1) + " and the log is complete");
  }

  @Test
  void watch_fromSequenceBeyondTheEndOfARunningLog_isOutOfRangeAtOnce() throws Exception {
    start(new ScriptedTrainer(5, true));
    Session session = create(config(b -> b));
    trainer.awaitStarted();
    long next = watch(session.getId(), 0, false).size();

    // The stub's deadline is 60 s: the error must come well before it, not once the session ends.
    long started = System.nanoTime();
    assertStatus(
        () -> watch(session.getId(), next + 1, true), Status.Code.OUT_OF_RANGE,
        "from_sequence must be in [0, " + next + "]");
    assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(WAIT);
    assertThat(get(session.getId()).getState()).isEqualTo(SessionState.SESSION_STATE_RUNNING);
  }

  @Test
  void watch_withoutFollowEndsAfterTheStoredEvents() throws Exception {
    start(new ScriptedTrainer(5, true));
    Session session = create(config(b -> b));
    trainer.awaitStarted();

    List<SessionEvent> replay = watch(session.getId(), 0, false);

    // QUEUED, RUNNING, phase, 5 steps: all that exists while the trainer holds.
    assertGapFreeFrom(0, replay);
    assertThat(replay).hasSize(8);
    assertThat(get(session.getId()).getState()).isEqualTo(SessionState.SESSION_STATE_RUNNING);
  }

  @Test
  void watch_rejectsNegativeFromSequence() throws Exception {
    start(new ScriptedTrainer(1, false));
    Session session = create(config(b -> b));

    assertStatus(
        () -> watch(session.getId(), -1, true), Status.Code.INVALID_ARGUMENT, "from_sequence");
  }

  @Test
  void watch_manyFollowersEachReceiveTheWholeLiveLog() throws Exception {
    start(new ScriptedTrainer(20, true));
    Session session = create(config(b -> b));
    List<EventCollector> watchers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      watchers.add(watchAsync(session.getId(), 0, true, new EventCollector()));
    }
    trainer.awaitStarted();
    trainer.release();

    List<SessionEvent> first = watchers.get(0).awaitCompleted();
    assertGapFreeFrom(0, first);
    assertEndsSucceeded(first);
    for (EventCollector watcher : watchers) {
      assertThat(watcher.awaitCompleted()).isEqualTo(first);
    }
  }

  @Test
  void watch_slowClientHoldsUpNeitherTrainingNorOthers() throws Exception {
    start(new ScriptedTrainer(3000, true));
    Session session = create(config(b -> b));
    EventCollector slow = watchAsync(session.getId(), 0, true, new EventCollector(1));
    Poll.until("the slow watcher's first event", WAIT, () -> slow.received() == 1);
    trainer.release();

    List<SessionEvent> fast = watch(session.getId(), 0, true);
    awaitState(session.getId(), SessionState.SESSION_STATE_SUCCEEDED);
    assertThat(slow.received()).isEqualTo(1);

    slow.request(Integer.MAX_VALUE);
    List<SessionEvent> slowEvents = slow.awaitCompleted();
    assertThat(slowEvents).isEqualTo(fast);
    assertGapFreeFrom(0, slowEvents);
    assertEndsSucceeded(slowEvents);
  }

  @Test
  void watch_clientCancellingItsStreamLeavesTheSessionRunningToTheEnd() throws Exception {
    start(new ScriptedTrainer(10, true));
    Session session = create(config(b -> b));
    EventCollector leaving = watchAsync(session.getId(), 0, true, new EventCollector(1));
    Poll.until("the watcher's first event", WAIT, () -> leaving.received() == 1);

    leaving.cancel();
    trainer.release();

    awaitState(session.getId(), SessionState.SESSION_STATE_SUCCEEDED);
    assertEndsSucceeded(watch(session.getId(), 0, true));
  }
}
