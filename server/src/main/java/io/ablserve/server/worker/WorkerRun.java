package io.ablserve.server.worker;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import io.ablserve.server.config.SlotSpec;
import io.ablserve.server.session.FileCheckpoints;
import io.ablserve.server.session.SlotMemory;
import io.ablserve.server.session.Trainer;
import io.ablserve.server.session.WorkerLostException;
import io.ablserve.server.train.Checkpoints;
import io.ablserve.server.train.Experiment;
import io.ablserve.server.train.ModelSink;
import io.ablserve.server.train.TrainingCancelledException;
import io.ablserve.server.train.TrainingListener;
import io.ablserve.server.train.TrainingOutcome;
import io.ablserve.server.train.TrainingState;
import io.ablserve.v1.SessionConfig;
import io.ablserve.worker.v1.AttachRequest;
import io.ablserve.worker.v1.Assignment;
import io.ablserve.worker.v1.Cancel;
import io.ablserve.worker.v1.CheckpointSaved;
import io.ablserve.worker.v1.ControlMessage;
import io.ablserve.worker.v1.Finished;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * One session trained in a worker: started here (by the pool's {@link WorkerLauncher}), then its messages applied on the calling thread
 * (the slot's), in the order it sent them. That thread is the only one that writes the session's events and
 * checkpoints, as inline. A worker that dies or falls silent after its hello ends the run with {@link
 * WorkerLostException}; one that never says hello fails it with the tail of its log, and one whose
 * platform declares it failed (a Kubernetes Job's Failed condition) fails it with the platform's reason.
 */
final class WorkerRun implements Trainer {
  private static final Logger logger = Logger.getLogger(WorkerRun.class.getName());
  private static final SecureRandom random = new SecureRandom();
  /** How long a cancelled worker may take to stop before it is killed. */
  private static final Duration CANCEL_GRACE = Duration.ofSeconds(15);
  /** How long the call of a worker that exited may take to report its end. */
  private static final Duration EXIT_GRACE = Duration.ofSeconds(5);
  private static final long POLL_MILLIS = 100;

  private final WorkerPool pool;
  private final SlotSpec slot;
  private final String sessionId;
  private final SessionConfig config;
  private final Path datasetRoot;
  private final BooleanSupplier admitted;
  private boolean admissionTold;

  /**
   * The run of session {@code sessionId} on {@code slot}; {@code admitted} is called once, when its
   * worker is admitted (at once for a local process), and answers false when the session was cancelled
   * meanwhile.
   */
  WorkerRun(
      WorkerPool pool,
      SlotSpec slot,
      String sessionId,
      SessionConfig config,
      Path datasetRoot,
      BooleanSupplier admitted) {
    this.pool = requireNonNull(pool, "pool");
    this.slot = requireNonNull(slot, "slot");
    this.sessionId = requireNonNull(sessionId, "sessionId");
    this.config = requireNonNull(config, "config");
    this.datasetRoot = requireNonNull(datasetRoot, "datasetRoot");
    this.admitted = requireNonNull(admitted, "admitted");
  }

  /** The folder a worker stages its checkpoints in, beside the session's own checkpoint folder. */
  static Path stagingFolder(Path dataDir, String sessionId) {
    return FileCheckpoints.folder(dataDir, sessionId).resolveSibling("worker-checkpoint");
  }

  static Path logFile(Path dataDir, String sessionId) {
    return FileCheckpoints.folder(dataDir, sessionId).resolveSibling("worker.log");
  }

  @Override
  public TrainingOutcome train(
      Experiment experiment,
      Device device,
      TrainingListener listener,
      BooleanSupplier cancelled,
      Checkpoints checkpoints,
      ModelSink unused)
      throws IOException {
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    String token = HexFormat.of().formatHex(secret);
    WorkerChannel.Attachment channel = pool.channel().expect(sessionId, token);
    LaunchedWorker worker = null;
    try {
      worker = pool.launch(slot, sessionId, token);
      awaitHello(channel, worker, cancelled);
      if (!admissionTold) {
        tellAdmitted(); // it said hello before its admission was seen
      }
      channel.send(ControlMessage.newBuilder().setAssignment(assignment()).build());
      return pump(channel, worker, listener, cancelled, checkpoints);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TrainingCancelledException(-1, -1);
    } finally {
      channel.complete();
      pool.channel().forget(sessionId, channel);
      if (worker != null) {
        if (worker.exit().isEmpty()) {
          worker.kill();
        }
        pool.ended(slot, worker);
        worker.release();
      }
      deleteStaging();
    }
  }

  private Assignment assignment() {
    return Assignment.newBuilder()
        .setConfig(config)
        .setDatasetRoot(datasetRoot.toString())
        .setDataDir(pool.dataDir().toString())
        .setMaxDecodedBytes(pool.limits().maxDecodedBytes())
        .setMaxImageSidePx(pool.limits().maxImageSidePx())
        .setDevice(slot.isGpu() ? "gpu:0" : "cpu")
        .build();
  }

  /**
   * Waits for the worker's hello. The start timeout counts from its admission: a Job Kueue holds back
   * waits for as long as Kueue keeps it, and can still be cancelled.
   */
  private void awaitHello(
      WorkerChannel.Attachment channel, LaunchedWorker worker, BooleanSupplier cancelled)
      throws IOException, InterruptedException {
    long timeout = pool.config().startTimeout().toNanos();
    long deadline = System.nanoTime() + timeout;
    while (!channel.awaitAttached(POLL_MILLIS)) {
      Optional<LaunchedWorker.Exit> exit = worker.exit();
      if (exit.isPresent()) {
        switch (exit.get().ending()) {
          // Killed (kill -9, the OOM killer, its Job deleted) while starting: lost like a running worker,
          // and resumed; only a worker that exits or fails by itself fails its session.
          case KILLED -> throw new WorkerLostException(
              "the " + worker.name() + " was killed before it started (" + exit.get().describe() + ")");
          case EXITED -> throw new IOException(
              "the " + worker.name() + " exited with code " + exit.get().code() + " before it started"
                  + worker.logTail());
          case FAILED -> throw new IOException(
              "the " + worker.name() + " failed before it started: " + exit.get().describe()
                  + worker.logTail());
        }
      }
      if (cancelled.getAsBoolean()) {
        throw new TrainingCancelledException(-1, -1);
      }
      if (!worker.admitted()) {
        deadline = System.nanoTime() + timeout;
      } else if (!admissionTold) {
        tellAdmitted();
      } else if (System.nanoTime() > deadline) {
        throw new IOException(
            "the " + worker.name() + " did not start within " + pool.config().startTimeout().toSeconds()
                + " s" + worker.logTail());
      }
    }
  }

  /** Tells the session its worker may run: RUNNING from now on, unless it was cancelled meanwhile. */
  private void tellAdmitted() {
    admissionTold = true;
    if (!admitted.getAsBoolean()) {
      throw new TrainingCancelledException(-1, -1);
    }
  }

  private TrainingOutcome pump(
      WorkerChannel.Attachment channel,
      LaunchedWorker worker,
      TrainingListener listener,
      BooleanSupplier cancelled,
      Checkpoints checkpoints)
      throws IOException, InterruptedException {
    long heartbeatNanos = pool.config().heartbeatTimeout().toNanos();
    long lastHeard = System.nanoTime();
    long cancelDeadline = 0;
    long exitDeadline = 0;
    while (true) {
      AttachRequest message = channel.poll(POLL_MILLIS);
      long now = System.nanoTime();
      if (message == WorkerChannel.Attachment.END) {
        throw lost(worker, "ended its channel without finishing");
      }
      if (message != null) {
        lastHeard = now;
        switch (message.getKindCase()) {
          case EVENT -> {
            WorkerEvents.deliver(message.getEvent(), listener);
            if (message.hasSentAt()) {
              pool.hopLatency().record(Duration.between(
                  Instant.ofEpochSecond(message.getSentAt().getSeconds(), message.getSentAt().getNanos()),
                  Instant.now()));
            }
          }
          case CHECKPOINT -> saveStaged(channel, message.getCheckpoint().getNumber(), checkpoints);
          case FINISHED -> {
            return finished(message.getFinished());
          }
          case HEARTBEAT -> pool.heard(slot, new SlotMemory(
              message.getHeartbeat().getResidentBytes(), message.getHeartbeat().getGpuMemoryUsedBytes(),
              message.getHeartbeat().getGpuMemoryTotalBytes()));
          default -> {} // a hello again: proves it alive
        }
        continue; // drain what it sent before looking at its health
      }
      if (cancelDeadline == 0 && cancelled.getAsBoolean()) {
        channel.send(ControlMessage.newBuilder().setCancel(Cancel.getDefaultInstance()).build());
        cancelDeadline = now + CANCEL_GRACE.toNanos();
      }
      if (cancelDeadline != 0 && now > cancelDeadline) {
        worker.kill();
        throw new TrainingCancelledException(-1, -1);
      }
      if (worker.exit().isPresent()) {
        if (exitDeadline == 0) {
          exitDeadline = now + EXIT_GRACE.toNanos(); // its last messages may still be on their way
        } else if (now > exitDeadline) {
          throw lost(worker, "exited");
        }
      }
      if (now - lastHeard > heartbeatNanos) {
        worker.kill();
        worker.awaitExit(EXIT_GRACE);
        throw new WorkerLostException(
            "the " + worker.name() + " sent nothing for "
                + pool.config().heartbeatTimeout().toSeconds() + " s and was killed");
      }
    }
  }

  private void saveStaged(WorkerChannel.Attachment worker, long number, Checkpoints checkpoints) {
    CheckpointSaved.Builder ack = CheckpointSaved.newBuilder().setNumber(number);
    try {
      Optional<TrainingState> state =
          new FileCheckpoints(stagingFolder(pool.dataDir(), sessionId), () -> -1).latest();
      if (state.isEmpty()) {
        throw new IOException("the worker's staged checkpoint is missing or damaged");
      }
      checkpoints.save(state.get()); // records the event the session's log has reached: all before it
    } catch (IOException e) {
      ack.setError(e.getMessage() == null ? e.toString() : e.getMessage());
    }
    worker.send(ControlMessage.newBuilder().setCheckpointSaved(ack).build());
  }

  private static TrainingOutcome finished(Finished finished) throws IOException {
    return switch (finished.getOutcomeCase()) {
      case RESULT -> WorkerEvents.outcome(finished.getResult());
      case CANCELLED -> throw new TrainingCancelledException(
          finished.getCancelled().getEpoch(), finished.getCancelled().getStep());
      case FAILURE -> throw new IOException(finished.getFailure());
      default -> throw new IOException("the worker finished without an outcome");
    };
  }

  /**
   * The end of a worker that stopped before it finished: lost (INTERRUPTED, resumed from its checkpoint),
   * unless its platform declared it failed with a reason of its own, which then fails the session.
   */
  private RuntimeException lost(LaunchedWorker worker, String how)
      throws InterruptedException, IOException {
    Optional<LaunchedWorker.Exit> exit = worker.awaitExit(EXIT_GRACE);
    if (exit.isPresent() && exit.get().ending() == LaunchedWorker.Ending.FAILED) {
      throw new IOException("the " + worker.name() + " failed: " + exit.get().describe());
    }
    String code = exit.isEmpty() ? "still running; killed" : exit.get().describe();
    worker.kill();
    return new WorkerLostException("the " + worker.name() + " " + how + " (" + code + ")");
  }

  private void deleteStaging() {
    Path staging = stagingFolder(pool.dataDir(), sessionId);
    try (var files = Files.walk(staging)) {
      for (Path path : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (java.nio.file.NoSuchFileException e) {
      // never staged anything
    } catch (IOException e) {
      logger.warning("cannot delete " + staging + ": " + e);
    }
  }
}
