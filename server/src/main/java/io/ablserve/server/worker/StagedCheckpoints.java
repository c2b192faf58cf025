package io.ablserve.server.worker;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.session.FileCheckpoints;
import io.ablserve.server.train.Checkpoints;
import io.ablserve.server.train.TrainingState;
import io.ablserve.worker.v1.AttachRequest;
import io.ablserve.worker.v1.CheckpointStaged;
import io.ablserve.worker.v1.ControlMessage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A worker's checkpoints: resumed from the session's own checkpoint folder, saved by staging each one
 * beside it and waiting for the control plane to take it in. The control plane makes it the session's
 * checkpoint once every event sent before it is in the log, so the checkpoint records the right last
 * event, exactly as inline.
 */
final class StagedCheckpoints implements Checkpoints {
  private static final long ACK_TIMEOUT_SECONDS = 600;

  private final FileCheckpoints session;
  private final FileCheckpoints staging;
  private final Consumer<AttachRequest> send;
  private final BlockingQueue<ControlMessage> control;
  private long number;

  StagedCheckpoints(
      Path dataDir, String sessionId, Consumer<AttachRequest> send, BlockingQueue<ControlMessage> control) {
    this.session = new FileCheckpoints(FileCheckpoints.folder(dataDir, sessionId), () -> -1);
    this.staging = new FileCheckpoints(WorkerRun.stagingFolder(dataDir, sessionId), () -> -1);
    this.send = requireNonNull(send, "send");
    this.control = requireNonNull(control, "control");
  }

  @Override
  public void save(TrainingState state) throws IOException {
    staging.save(state);
    number++;
    send.accept(
        AttachRequest.newBuilder()
            .setCheckpoint(CheckpointStaged.newBuilder().setNumber(number))
            .build());
    ControlMessage ack;
    try {
      ack = control.poll(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the control plane saved the checkpoint", e);
    }
    if (ack == null || !ack.hasCheckpointSaved() || ack.getCheckpointSaved().getNumber() != number) {
      throw new IOException("the control plane did not take checkpoint " + number);
    }
    if (!ack.getCheckpointSaved().getError().isEmpty()) {
      throw new IOException(ack.getCheckpointSaved().getError());
    }
  }

  @Override
  public Optional<TrainingState> latest() {
    return session.latest();
  }
}
