"""Slots bench (#15): throughput of one 2-thread CPU slot vs two 1-thread slots, and the cost of the worker hop.

throughput: the real server jar on a temporary data directory in process isolation, once with --slots cpu:2
and once with --slots cpu:1,cpu:1; SLOTS_SESSIONS (6) identical-sized sessions queued at once (seeds differ).
Sessions per hour = sessions / makespan (first CreateSession to the last session's end, worker start-ups
included); images/s = the sessions' training images (epoch summaries) / makespan, and each session's own
training rate (its images over its epochs' training time, evaluation excluded, as bench/watchers.sh).
Target: two slots >= 1.3x the sessions per hour of one.

hop: one session with one live watcher, --isolation inline (ABLSERVE_THREADS threads, default 2) against
--isolation process --slots cpu:THREADS, same config, sides alternating SLOTS_HOP_REPEATS (2) times. Training
images/s from the session's own telemetry (target: process <= 3% slower). Step-to-watcher latency has two
legs. Log to watcher: the step event's SessionEvent.time (stamped when the control plane logs it) to its
arrival at the watcher, measured directly. Step to log: in process isolation the control plane stamps the time
on receipt, so the worker-to-control-plane leg is not in SessionEvent.time; it is rebuilt from the worker's own
step clock: a step event's images_per_second covers exactly the time since the previous report (the trainer
reads System.nanoTime once and restarts the interval there), so with a report every step, images / rate summed
over an isolation epoch gives each step's time since the epoch began, and log time minus that is the epoch's
start plus the step's delay; its excess over the epoch's smallest delay is the leg's delay above its floor
(the floor, one loopback message, is not observable this way). Isolation epochs only: there every full batch is
batch_size images (unlearning adds isolated samples per step). Step to watcher = the two legs added per event.
Target: p99 < 50 ms.

DEVICE=gpu (a host with a CUDA GPU 0 and the server's CUDA natives): throughput compares --slots gpu:0 with
--slots gpu:0*2 (two sessions sharing GPU 0), and hop --device gpu inline with --slots gpu:0.

Appends a JSON line per configuration to bench/results/slots.jsonl (SLOTS_RESULTS: another file). Run through bench/slots.sh.
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import grpc

from ablserve._proto.v1 import session_pb2 as pb
from ablserve._proto.v1 import session_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parents[1]
SESSIONS = int(os.environ.get("SLOTS_SESSIONS", "6"))
TRAIN_LIMIT = int(os.environ.get("SLOTS_TRAIN_LIMIT", "3000"))
TEST_LIMIT = int(os.environ.get("SLOTS_TEST_LIMIT", "500"))
EPOCHS = int(os.environ.get("SLOTS_EPOCHS", "4"))
ISOLATION_EPOCHS = int(os.environ.get("SLOTS_ISOLATION_EPOCHS", "2"))
BATCH_SIZE = int(os.environ.get("SLOTS_BATCH_SIZE", "64"))
HOP_REPEATS = int(os.environ.get("SLOTS_HOP_REPEATS", "2"))
# A step event every step, as bench/watchers.sh; the step-to-log rebuild needs it (null otherwise).
HOP_REPORT_INTERVAL = int(os.environ.get("SLOTS_HOP_REPORT_INTERVAL", "1"))
THREADS = int(os.environ.get("ABLSERVE_THREADS", str(os.cpu_count() or 2)))
DEVICE = os.environ.get("DEVICE", "cpu")
if DEVICE not in ("cpu", "gpu"):
    raise SystemExit(f"DEVICE must be cpu or gpu, got {DEVICE!r}")
# One slot against two: of CPU threads, or sessions sharing GPU 0.
THROUGHPUT_SLOTS = ("cpu:2", "cpu:1,cpu:1") if DEVICE == "cpu" else ("gpu:0", "gpu:0*2")
HOP_FLAGS = {"inline": ["--device", DEVICE],
             "process": ["--slots", f"cpu:{THREADS}" if DEVICE == "cpu" else "gpu:0"]}
TIMEOUT_SECONDS = float(os.environ.get("SLOTS_TIMEOUT_SECONDS", "1800"))
S = pb.SessionState
FINAL = {S.SESSION_STATE_SUCCEEDED, S.SESSION_STATE_FAILED, S.SESSION_STATE_CANCELLED}


def config(name: str, seed: int, step_report_interval: int) -> pb.SessionConfig:
    return pb.SessionConfig(
        display_name=name,
        dataset=pb.DatasetSpec(train_limit=TRAIN_LIMIT, test_limit=TEST_LIMIT),
        abl=pb.AblConfig(epochs=EPOCHS, isolation_epochs=ISOLATION_EPOCHS, batch_size=BATCH_SIZE,
                         step_report_interval=step_report_interval),
        seed=seed)


class Server:
    """The server jar on a fresh data directory and a free port, stopped with SIGTERM."""

    def __init__(self, work: Path, flags: list[str]):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log = work / "server.log"
        jar = os.environ.get("ABLSERVE_SERVER_JAR", str(ROOT / "server" / "target" / "ablserve-server.jar"))
        command = ["bash", "-c", 'source "$1" && shift && exec java $ABLSERVE_JVM_OPTS -jar "$@"',
                   "ablserve-server", str(ROOT / "bin" / "env.sh"), jar, "--port", str(self.port),
                   "--data-dir", str(work / "data"), *flags]
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True)
        began = time.monotonic()
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}; see {self.log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if time.monotonic() - began > 180:
                    raise RuntimeError(f"the server did not listen within 180 s; see {self.log}")
                time.sleep(0.2)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.stub = pb_grpc.SessionServiceStub(self.channel)

    def stop(self) -> None:
        self.channel.close()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()


def seconds(timestamp) -> float:
    return timestamp.seconds + timestamp.nanos / 1e9


def training(events) -> tuple[float, float]:
    """Training images and seconds over the session's epochs (evaluation excluded)."""
    images = train_s = 0.0
    for e in events:
        if e.HasField("epoch"):
            s = e.epoch.train_elapsed_ms / 1000.0
            train_s += s
            images += e.epoch.images_per_second * s
    return images, train_s


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile; None for none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p * len(ordered)) - 1))]


def rnd(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def await_all(stub, ids: list[str]) -> None:
    began = time.monotonic()
    while True:
        states = [stub.GetSession(pb.GetSessionRequest(session_id=i), timeout=30).state for i in ids]
        if all(state in FINAL for state in states):
            return
        if time.monotonic() - began > TIMEOUT_SECONDS:
            raise RuntimeError(f"sessions not ended within {TIMEOUT_SECONDS} s: {[S.Name(s) for s in states]}")
        time.sleep(0.5)


def log_of(stub, session_id: str) -> list:
    return list(stub.WatchSession(pb.WatchSessionRequest(session_id=session_id, follow=False), timeout=120))


def throughput(slots: str) -> dict:
    work = Path(tempfile.mkdtemp(prefix="ablserve-slots-"))
    server = Server(work, ["--slots", slots, "--isolation", "process"])
    try:
        t0 = time.time()
        ids = [server.stub.CreateSession(pb.CreateSessionRequest(config=config(f"slots-{i}", 100 + i, 10)),
                                         timeout=60).id for i in range(SESSIONS)]
        await_all(server.stub, ids)
        rows, images_total, ends = [], 0.0, []
        for i in ids:
            session = server.stub.GetSession(pb.GetSessionRequest(session_id=i), timeout=30)
            if session.state != S.SESSION_STATE_SUCCEEDED:
                raise RuntimeError(f"session {i} ended {S.Name(session.state)}: {session.failure_reason}")
            images, train_s = training(log_of(server.stub, i))
            images_total += images
            ends.append(seconds(session.finished_at))
            rows.append({"session": i, "slot": session.slot,
                         "session_s": round(seconds(session.finished_at) - seconds(session.started_at), 1),
                         "train_images_per_second": round(images / train_s, 1),
                         "ca": round(session.result.clean_accuracy, 4),
                         "asr": round(session.result.attack_success_rate, 4)})
        makespan = max(ends) - t0
        return {"bench": "throughput", "slots": slots, "isolation": "process", "sessions": SESSIONS,
                "makespan_s": round(makespan, 1), "sessions_per_hour": round(SESSIONS * 3600 / makespan, 1),
                "images_per_second": round(images_total / makespan, 1),
                "session_train_images_per_second_mean": round(
                    sum(r["train_images_per_second"] for r in rows) / len(rows), 1),
                "rows": rows, "server_log": str(server.log)}
    finally:
        server.stop()


class Watcher(threading.Thread):
    """Follows one session from its start, noting each step event's arrival (same clock as the server's)."""

    def __init__(self, stub, session_id: str):
        super().__init__(daemon=True)
        self.stub, self.session_id = stub, session_id
        self.arrivals: list[tuple[object, float]] = []
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            for event in self.stub.WatchSession(
                    pb.WatchSessionRequest(session_id=self.session_id, follow=True), timeout=TIMEOUT_SECONDS):
                self.arrivals.append((event, time.time()))
        except Exception as e:  # reported by the caller
            self.error = e


def step_to_log_excess(events) -> dict[int, float]:
    """Per step (isolation epochs, full batches): log time minus the worker's own step time, less the epoch's
    smallest such delay, in ms."""
    by_epoch: dict[int, list] = {}
    for e in events:
        if e.HasField("step") and e.step.phase == pb.PHASE_ISOLATION:
            by_epoch.setdefault(e.step.epoch, []).append(e)
    full_steps = TRAIN_LIMIT // BATCH_SIZE
    excess: dict[int, float] = {}
    for steps in by_epoch.values():
        steps.sort(key=lambda e: e.step.step)
        since_start, delays = 0.0, []
        for e in steps[:full_steps]:
            since_start += BATCH_SIZE / e.step.images_per_second
            delays.append((e.step.step, seconds(e.time) - since_start))
        floor = min(d for _, d in delays)
        excess.update({step: (d - floor) * 1000 for step, d in delays})
    return excess


def hop_run(isolation: str, repeat: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"ablserve-hop-{isolation}-"))
    flags = ["--isolation", isolation] + HOP_FLAGS[isolation]
    server = Server(work, flags)
    try:
        session_id = server.stub.CreateSession(
            pb.CreateSessionRequest(config=config(f"hop-{isolation}-{repeat}", 7, HOP_REPORT_INTERVAL)),
            timeout=60).id
        watcher = Watcher(server.stub, session_id)
        watcher.start()
        await_all(server.stub, [session_id])
        watcher.join(timeout=120)
        if watcher.error is not None:
            raise RuntimeError(f"the watcher failed: {watcher.error}")
        session = server.stub.GetSession(pb.GetSessionRequest(session_id=session_id), timeout=30)
        if session.state != S.SESSION_STATE_SUCCEEDED:
            raise RuntimeError(f"session ended {S.Name(session.state)}: {session.failure_reason}")
        events = [e for e, _ in watcher.arrivals]
        images, train_s = training(events)
        # A step logged before the watch was set up arrives as a replay: only steps logged after the first
        # arrival are live (the server subscribes a watch before it sends anything).
        live_from = watcher.arrivals[0][1]
        log_to_watcher = {e.step.step: (arrived - seconds(e.time)) * 1000 for e, arrived in watcher.arrivals
                          if e.HasField("step") and seconds(e.time) > live_from}
        step_to_log = step_to_log_excess(events) if HOP_REPORT_INTERVAL == 1 else {}
        both = [step_to_log[s] + log_to_watcher[s] for s in step_to_log if s in log_to_watcher]
        running = [seconds(e.time) for e in events if e.HasField("state")
                   and e.state.state == S.SESSION_STATE_RUNNING]
        return {"bench": "hop", "isolation": isolation, "repeat": repeat, "threads": THREADS,
                "step_report_interval": HOP_REPORT_INTERVAL,
                "train_images_per_second": round(images / train_s, 1), "train_s": round(train_s, 2),
                "session_s": round(seconds(events[-1].time) - running[0], 1),
                "ca": round(session.result.clean_accuracy, 4),
                "log_to_watcher_ms_p50": rnd(percentile(list(log_to_watcher.values()), 0.5)),
                "log_to_watcher_ms_p99": rnd(percentile(list(log_to_watcher.values()), 0.99)),
                "log_to_watcher_ms_max": rnd(max(log_to_watcher.values(), default=None)),
                "step_to_log_excess_ms_p50": rnd(percentile(list(step_to_log.values()), 0.5)),
                "step_to_log_excess_ms_p99": rnd(percentile(list(step_to_log.values()), 0.99)),
                "step_to_watcher_ms_p50": rnd(percentile(both, 0.5)),
                "step_to_watcher_ms_p99": rnd(percentile(both, 0.99)),
                "step_to_watcher_ms_max": rnd(max(both, default=None)),
                "live_steps": len(log_to_watcher), "rebuilt_steps": len(both), "server_log": str(server.log)}
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench", nargs="*", help="throughput, hop or both (the default)")
    benches = parser.parse_args().bench or ["throughput", "hop"]
    if not set(benches) <= {"throughput", "hop"}:
        parser.error(f"unknown bench in {benches}: throughput or hop")
    sizes = {"device": DEVICE, "train_limit": TRAIN_LIMIT, "test_limit": TEST_LIMIT, "epochs": EPOCHS,
             "isolation_epochs": ISOLATION_EPOCHS, "batch_size": BATCH_SIZE, "nproc": os.cpu_count()}
    results = Path(os.environ.get("SLOTS_RESULTS", ROOT / "bench" / "results" / "slots.jsonl"))
    results.parent.mkdir(exist_ok=True)
    rows = []

    def record(row: dict, load_before: float) -> None:
        row = {"at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), **row, **sizes,
               "loadavg_1m_before": round(load_before, 2)}
        rows.append(row)
        with open(results, "a") as out:
            out.write(json.dumps(row) + "\n")
        print(json.dumps({k: v for k, v in row.items() if k != "rows"}), flush=True)

    if "throughput" in benches:
        for slots in THROUGHPUT_SLOTS:
            load = os.getloadavg()[0]
            record(throughput(slots), load)
        one, two = (r for r in rows if r["bench"] == "throughput")
        ratio = two["sessions_per_hour"] / one["sessions_per_hour"]
        print(f"throughput: --slots {one['slots']} {one['sessions_per_hour']} sessions/h "
              f"{one['images_per_second']} img/s; --slots {two['slots']} {two['sessions_per_hour']} sessions/h "
              f"{two['images_per_second']} img/s; ratio {ratio:.2f} (target >= 1.3: "
              f"{'met' if ratio >= 1.3 else 'NOT met'})")
    if "hop" in benches:
        for repeat in range(HOP_REPEATS):
            for isolation in ("inline", "process"):
                load = os.getloadavg()[0]
                record(hop_run(isolation, repeat), load)
        hop = [r for r in rows if r["bench"] == "hop"]
        inline = [r for r in hop if r["isolation"] == "inline"]
        process = [r for r in hop if r["isolation"] == "process"]
        rate_in = sum(r["train_images_per_second"] for r in inline) / len(inline)
        rate_pr = sum(r["train_images_per_second"] for r in process) / len(process)
        slower = (1 - rate_pr / rate_in) * 100
        p99 = max(r["step_to_watcher_ms_p99"] or r["log_to_watcher_ms_p99"] or 0 for r in process)
        print(f"hop: inline {rate_in:.1f} img/s, process {rate_pr:.1f} img/s, process {slower:+.1f}% slower "
              f"(target <= 3%: {'met' if slower <= 3 else 'NOT met'}); process step-to-watcher p99 "
              f"{p99:.1f} ms (worst run; target < 50 ms: {'met' if p99 < 50 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
