package io.ablserve.server.worker;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import io.ablserve.server.config.SlotSpec;
import io.ablserve.server.session.FileCheckpoints;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * One session trained in a worker process: started here, then its messages applied on the calling thread
 * (the slot's), in the order it sent them. That thread is the only one that writes the session's events and
 * checkpoints, as inline. A worker that dies or falls silent after its hello ends the run with {@link
 * WorkerLostException}; one that never says hello fails it with the tail of its log.
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

  WorkerRun(WorkerPool pool, SlotSpec slot, String sessionId, SessionConfig config, Path datasetRoot) {
    this.pool = requireNonNull(pool, "pool");
    this.slot = requireNonNull(slot, "slot");
    this.sessionId = requireNonNull(sessionId, "sessionId");
    this.config = requireNonNull(config, "config");
    this.datasetRoot = requireNonNull(datasetRoot, "datasetRoot");
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
    WorkerChannel.Attachment worker = pool.channel().expect(sessionId, token);
    Path log = logFile(pool.dataDir(), sessionId);
    Files.createDirectories(log.getParent());
    ProcessBuilder builder =
        new ProcessBuilder(pool.command(slot, sessionId))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put(WorkerMain.TOKEN_ENV, token);
    if (slot.threads() > 0) {
      builder.environment().put("OMP_NUM_THREADS", Integer.toString(slot.threads()));
    }
    if (slot.isGpu()) {
      // The worker sees only its GPU, as gpu:0: no CUDA context on the others.
      builder.environment().put("CUDA_VISIBLE_DEVICES", Integer.toString(slot.gpuIndex()));
    }
    Process process = builder.start();
    pool.started(slot, process);
    logger.info("session " + sessionId + " trains in worker process " + process.pid() + " on " + slot.name());
    try {
      awaitHello(worker, process, log, cancelled);
      worker.send(ControlMessage.newBuilder().setAssignment(assignment()).build());
      return pump(worker, process, listener, cancelled, checkpoints);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TrainingCancelledException(-1, -1);
    } finally {
      worker.complete();
      pool.channel().forget(sessionId, worker);
      if (process.isAlive()) {
        process.destroyForcibly();
      }
      pool.ended(slot, process);
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

  private void awaitHello(
      WorkerChannel.Attachment worker, Process process, Path log, BooleanSupplier cancelled)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + pool.config().startTimeout().toNanos();
    while (!worker.awaitAttached(POLL_MILLIS)) {
      if (!process.isAlive() && process.exitValue() > 128) {
        // Killed by a signal (kill -9, the OOM killer) while starting: lost like a running worker, and
        // resumed; only a worker that exits by itself (bad JVM options, a missing class) fails its session.
        throw new WorkerLostException(
            "the worker process " + process.pid() + " on slot " + slot.name()
                + " was killed before it started (exit code " + process.exitValue() + ")");
      }
      if (!process.isAlive()) {
        throw new IOException(
            "the worker process exited with code " + process.exitValue() + " before it started"
                + lastLines(log));
      }
      if (cancelled.getAsBoolean()) {
        throw new TrainingCancelledException(-1, -1);
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(
            "the worker process did not start within " + pool.config().startTimeout().toSeconds()
                + " s" + lastLines(log));
      }
    }
  }

  private TrainingOutcome pump(
      WorkerChannel.Attachment worker,
      Process process,
      TrainingListener listener,
      BooleanSupplier cancelled,
      Checkpoints checkpoints)
      throws IOException, InterruptedException {
    long heartbeatNanos = pool.config().heartbeatTimeout().toNanos();
    long lastHeard = System.nanoTime();
    long cancelDeadline = 0;
    long exitDeadline = 0;
    while (true) {
      AttachRequest message = worker.poll(POLL_MILLIS);
      long now = System.nanoTime();
      if (message == WorkerChannel.Attachment.END) {
        throw lost(process, "ended its channel without finishing");
      }
      if (message != null) {
        lastHeard = now;
        switch (message.getKindCase()) {
          case EVENT -> WorkerEvents.deliver(message.getEvent(), listener);
          case CHECKPOINT -> saveStaged(worker, message.getCheckpoint().getNumber(), checkpoints);
          case FINISHED -> {
            return finished(message.getFinished());
          }
          default -> {} // heartbeats only prove it alive
        }
        continue; // drain what it sent before looking at its health
      }
      if (cancelDeadline == 0 && cancelled.getAsBoolean()) {
        worker.send(ControlMessage.newBuilder().setCancel(Cancel.getDefaultInstance()).build());
        cancelDeadline = now + CANCEL_GRACE.toNanos();
      }
      if (cancelDeadline != 0 && now > cancelDeadline) {
        process.destroyForcibly();
        throw new TrainingCancelledException(-1, -1);
      }
      if (!process.isAlive()) {
        if (exitDeadline == 0) {
          exitDeadline = now + EXIT_GRACE.toNanos(); // its last messages may still be on their way
        } else if (now > exitDeadline) {
          throw lost(process, "exited");
        }
      }
      if (now - lastHeard > heartbeatNanos) {
        process.destroyForcibly();
        process.waitFor(EXIT_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        throw new WorkerLostException(
            "the worker process " + process.pid() + " sent nothing for "
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

  private WorkerLostException lost(Process process, String how) throws InterruptedException {
    process.waitFor(EXIT_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    String code = process.isAlive() ? "still running; killed" : "exit code " + process.exitValue();
    process.destroyForcibly();
    return new WorkerLostException(
        "the worker process " + process.pid() + " on slot " + slot.name() + " " + how + " (" + code
            + ")");
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

  private static String lastLines(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      List<String> tail = lines.subList(Math.max(0, lines.size() - 3), lines.size());
      return tail.isEmpty() ? "" : ": " + String.join(" | ", tail);
    } catch (IOException e) {
      return "";
    }
  }
}
