"""Crash bench of worker processes: kill -9 a random worker every N seconds during a queue of sessions.

The real server jar on a temporary data directory with two CPU slots of one thread in process isolation
(--slots cpu:1,cpu:1 --isolation process --resume-interrupted auto). CRASH_SESSIONS small Fashion-MNIST
sessions are queued; every CRASH_KILL_SECONDS a busy slot's worker is killed with SIGKILL, its session chosen at
random among those killed fewer than CRASH_MAX_KILLS times (the server resumes a session after at most 3
worker losses; a fourth leaves it INTERRUPTED by design). At the end every session must be SUCCEEDED with a
gap-free event log (sequences from 0, only growing, holes only where a resume superseded telemetry, as
SessionEvent's contract says), each epoch summarised once and one result. Reports kills, wall time,
the resumes seen in the logs and each session's CA/ASR; appends a JSON line to bench/results/worker-crash.jsonl.
Exits 1 when a session did not succeed or its log has a gap or a duplicate. Run through bench/worker-crash.sh.
"""
from __future__ import annotations

import datetime
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc

from ablserve._proto.v1 import session_pb2 as pb
from ablserve._proto.v1 import session_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parents[1]
SESSIONS = int(os.environ.get("CRASH_SESSIONS", "6"))
KILL_SECONDS = float(os.environ.get("CRASH_KILL_SECONDS", "20"))
MAX_KILLS = int(os.environ.get("CRASH_MAX_KILLS", "3"))
TRAIN_LIMIT = int(os.environ.get("CRASH_TRAIN_LIMIT", "600"))
EPOCHS = int(os.environ.get("CRASH_EPOCHS", "3"))
TIMEOUT_SECONDS = float(os.environ.get("CRASH_TIMEOUT_SECONDS", "1200"))
SEED = int(os.environ.get("CRASH_SEED", "1"))
# DEVICE=gpu: two slots sharing GPU 0 (a host with a CUDA GPU and the server's CUDA natives) in place of two
# 1-thread CPU slots; CRASH_SLOTS names any other --slots.
SLOTS = os.environ.get("CRASH_SLOTS", "gpu:0*2" if os.environ.get("DEVICE", "cpu") == "gpu" else "cpu:1,cpu:1")
S = pb.SessionState
FINAL = {S.SESSION_STATE_SUCCEEDED, S.SESSION_STATE_FAILED, S.SESSION_STATE_CANCELLED}


def config(i: int) -> pb.SessionConfig:
    return pb.SessionConfig(
        display_name=f"crash-{i}",
        dataset=pb.DatasetSpec(train_limit=TRAIN_LIMIT, test_limit=200),
        abl=pb.AblConfig(epochs=EPOCHS, isolation_epochs=1, batch_size=64),
        seed=100 + i)


def start_server(data_dir: Path, port: int, log_path: Path) -> subprocess.Popen:
    jar = os.environ.get("ABLSERVE_SERVER_JAR", str(ROOT / "server" / "target" / "ablserve-server.jar"))
    command = ["bash", "-c", 'source "$1" && shift && exec java $ABLSERVE_JVM_OPTS -jar "$@"', "ablserve-server",
               str(ROOT / "bin" / "env.sh"), jar, "--port", str(port), "--data-dir", str(data_dir),
               "--slots", SLOTS, "--isolation", "process", "--resume-interrupted", "auto"]
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True)
    began = time.monotonic()
    while time.monotonic() - began < 180:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}; see {log_path}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not listen within 180 s; see {log_path}")


def check_log(events) -> list[str]:
    """What is wrong with one session's log, by the SessionEvent contract: sequences from 0, increasing, no
    duplicate, holes only where a resume superseded telemetry (at most one per INTERRUPTED), each epoch
    summarised once, one result."""
    problems = []
    sequences = [e.sequence for e in events]
    if not sequences or sequences[0] != 0 or any(b <= a for a, b in zip(sequences, sequences[1:])):
        problems.append("sequences do not start at 0 and only grow")
    holes = sum(1 for a, b in zip(sequences, sequences[1:]) if b > a + 1)
    resumes = sum(1 for e in events if e.HasField("state") and e.state.state == S.SESSION_STATE_INTERRUPTED)
    if holes > resumes:
        problems.append(f"{holes} holes in the sequences but {resumes} resumes")
    results = [e.result for e in events if e.HasField("result")]
    if len(results) != 1:
        problems.append(f"{len(results)} results")
    # Every epoch the run went through, once: EPOCHS, or more where ABL retrained after a check that
    # confirmed nothing (its epochs numbered on from the turn); the result counts them.
    epochs = [e.epoch.epoch for e in events if e.HasField("epoch")]
    ran = results[0].epochs if results else EPOCHS
    if ran < EPOCHS or epochs != list(range(ran)):
        problems.append(f"epoch summaries {epochs} for a run of {ran} epochs")
    return problems


def main() -> int:
    rng = random.Random(SEED)
    work = Path(tempfile.mkdtemp(prefix="ablserve-crash-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = start_server(work / "data", port, work / "server.log")
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = pb_grpc.SessionServiceStub(channel)
    t0 = time.monotonic()
    kills: list[dict] = []
    kills_of: dict[str, int] = {}
    try:
        ids = [stub.CreateSession(pb.CreateSessionRequest(config=config(i)), timeout=60).id
               for i in range(SESSIONS)]
        next_kill = t0 + KILL_SECONDS
        while True:
            states = {i: stub.GetSession(pb.GetSessionRequest(session_id=i), timeout=30).state for i in ids}
            if all(state in FINAL for state in states.values()):
                break
            if time.monotonic() - t0 > TIMEOUT_SECONDS:
                raise RuntimeError(f"not all sessions ended within {TIMEOUT_SECONDS} s: {states}")
            if time.monotonic() >= next_kill:
                next_kill += KILL_SECONDS
                slots = stub.ListDevices(pb.ListDevicesRequest(), timeout=30).slots
                victims = [s for s in slots if s.busy and s.worker_pid > 0 and s.session_id
                           and kills_of.get(s.session_id, 0) < MAX_KILLS]
                if victims:
                    victim = rng.choice(victims)
                    try:
                        os.kill(victim.worker_pid, signal.SIGKILL)
                    except ProcessLookupError:
                        continue  # it ended meanwhile
                    kills_of[victim.session_id] = kills_of.get(victim.session_id, 0) + 1
                    kills.append({"at_s": round(time.monotonic() - t0, 1), "slot": victim.name,
                                  "session": victim.session_id, "pid": victim.worker_pid})
                    print(f"{time.monotonic() - t0:6.1f} s: killed worker {victim.worker_pid} of "
                          f"{victim.session_id[:8]} on {victim.name}", flush=True)
            time.sleep(1)
        wall = time.monotonic() - t0
        rows, failures = [], 0
        for i in ids:
            session = stub.GetSession(pb.GetSessionRequest(session_id=i), timeout=30)
            events = list(stub.WatchSession(pb.WatchSessionRequest(session_id=i, follow=False), timeout=60))
            problems = check_log(events)
            if session.state != S.SESSION_STATE_SUCCEEDED:
                problems.append(S.Name(session.state))
            failures += bool(problems)
            interrupted = sum(1 for e in events if e.HasField("state")
                              and e.state.state == S.SESSION_STATE_INTERRUPTED)
            rows.append({"session": i, "kills": kills_of.get(i, 0), "interrupted_events": interrupted,
                         "events": len(events), "last_sequence": events[-1].sequence if events else -1, "ca": round(session.result.clean_accuracy, 4),
                         "asr": round(session.result.attack_success_rate, 4), "problems": problems})
            print(f"{i[:8]} kills={kills_of.get(i, 0)} interrupted={interrupted} events={len(events)} "
                  f"CA={session.result.clean_accuracy:.4f} ASR={session.result.attack_success_rate:.4f} "
                  f"{'OK' if not problems else problems}")
        report = {"at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                  "slots": SLOTS, "sessions": SESSIONS, "kill_every_s": KILL_SECONDS, "train_limit": TRAIN_LIMIT,
                  "epochs": EPOCHS, "kills": len(kills), "wall_s": round(wall, 1),
                  "succeeded_gap_free": SESSIONS - failures, "rows": rows, "kill_log": kills}
        print(f"{SESSIONS} sessions, {len(kills)} workers killed, {SESSIONS - failures} SUCCEEDED with "
              f"gap-free logs, {wall:.0f} s; server log {work / 'server.log'}")
        results = ROOT / "bench" / "results"
        results.mkdir(exist_ok=True)
        with open(results / "worker-crash.jsonl", "a") as out:
            out.write(json.dumps(report) + "\n")
        return 1 if failures else 0
    finally:
        channel.close()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
