package io.ablserve.client;

import io.ablserve.v1.SessionEvent;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;

/**
 * The events of one {@code WatchSession} call, read with blocking {@link #hasNext()}. {@link #close()}
 * cancels the call, from any thread; a reader blocked in {@code hasNext()} then gets an
 * {@link AblClientException} with code {@code CANCELLED}.
 */
public final class SessionEventStream implements Iterator<SessionEvent>, AutoCloseable {
  private final Context.CancellableContext context;
  private final Iterator<SessionEvent> events;
  private final String target;

  SessionEventStream(Context.CancellableContext context, Iterator<SessionEvent> events, String target) {
    this.context = context;
    this.events = events;
    this.target = target;
  }

  @Override
  public boolean hasNext() {
    try {
      return events.hasNext();
    } catch (StatusRuntimeException e) {
      throw AblClientException.from(e).explainedFor(target);
    }
  }

  @Override
  public SessionEvent next() {
    try {
      return events.next();
    } catch (StatusRuntimeException e) {
      throw AblClientException.from(e).explainedFor(target);
    }
  }

  /** Cancels the call; a no-op once the stream has ended. */
  @Override
  public void close() {
    context.cancel(null);
  }
}
