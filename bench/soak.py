"""Soak test of the real ablserve server: several users at once for a bounded time, with faults injected.

Three users of a token file create small sessions, follow each with a watcher, upload small .npz datasets
(and train on some), evaluate their finished sessions and send bad requests (invalid configs, unknown ids,
oversized names, wrong tokens). Partway the server is killed with SIGKILL and restarted on the same data
directory (its interrupted sessions must resume), later restarted with a --min-free-bytes floor above the
disk's free space (a full disk: creates and uploads must be refused, nothing lost) and then restarted normally.
The server's RSS and thread count are sampled from /proc. After a drain, every session the server
acknowledged must have reached succeeded, failed or cancelled; one missing or not there is lost (target 0).

Run through bench/soak.sh; knobs are environment variables (SOAK_SECONDS, SOAK_DRAIN_SECONDS, ...).
"""
from __future__ import annotations

import collections
import datetime
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import grpc
import numpy as np

import ablserve
from ablserve._proto.v1 import session_pb2 as pb
from ablserve._proto.v1 import session_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parents[1]
SECONDS = float(os.environ.get("SOAK_SECONDS", "180"))
DRAIN_SECONDS = float(os.environ.get("SOAK_DRAIN_SECONDS", "240"))
SAMPLE_SECONDS = float(os.environ.get("SOAK_SAMPLE_SECONDS", "3"))
DISK_FULL = os.environ.get("SOAK_DISK_FULL", "1") == "1"
KILL = os.environ.get("SOAK_KILL", "1") == "1"
# RSS in the first WARMUP_SECONDS of a server process is warm-up (JIT, arenas, datasets loaded); its growth is
# measured from the median of the WINDOW_SECONDS after warm-up to the median of its last WINDOW_SECONDS of load.
WARMUP_SECONDS = float(os.environ.get("SOAK_WARMUP_SECONDS", "60"))
WINDOW_SECONDS = float(os.environ.get("SOAK_WINDOW_SECONDS", "30"))
SEED = int(os.environ.get("SOAK_SEED", "1"))
USERS = ("alice", "bob", "carol")
DONE = {"succeeded", "failed", "cancelled"}
START_TIMEOUT_S = 180
# Above any real disk: the floor every create, resume and upload is checked against.
FULL_DISK_FLOOR = 1 << 50
MAX_DISPLAY_NAME_CHARS = 256


def small_config(name: str, dataset: str = "fashion-mnist") -> ablserve.SessionConfig:
    """A session of a few seconds on one core: 300 images, one isolation epoch and one more."""
    return ablserve.SessionConfig(
        dataset=ablserve.DatasetConfig(dataset, train_limit=300, test_limit=100),
        attack=ablserve.AttackConfig("badnets", poison_rate=0.1),
        abl=ablserve.AblConfig(epochs=2, isolation_epochs=1, isolation_ratio=0.02, batch_size=64,
                               step_report_interval=2),
        seed=SEED,
        display_name=name,
    )


class Server:
    """The server jar as a subprocess on a fixed port and data directory, restartable with other flags."""

    def __init__(self, data_dir: Path, token_file: Path, port: int, log_path: Path):
        self.data_dir, self.token_file, self.port, self.log_path = data_dir, token_file, port, log_path
        self.process: subprocess.Popen | None = None
        self.starts = []  # (seconds since soak start, seconds to listen, flags)

    def start(self, t0: float, *extra: str) -> None:
        jar = os.environ.get("ABLSERVE_SERVER_JAR", str(ROOT / "server" / "target" / "ablserve-server.jar"))
        # bin/env.sh's malloc, thread and DJL settings; exec, so the pid is the JVM's own.
        command = ["bash", "-c", 'source "$1" && shift && exec java $ABLSERVE_JVM_OPTS -jar "$@"', "ablserve-server",
                   str(ROOT / "bin" / "env.sh"), jar, "--port", str(self.port), "--data-dir", str(self.data_dir),
                   "--token-file", str(self.token_file), *extra]
        began = time.monotonic()
        log = open(self.log_path, "a")
        log.write(f"=== start at {began - t0:.1f} s: {' '.join(extra) or '(defaults)'}\n")
        log.flush()
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True)
        log.close()
        while time.monotonic() - began < START_TIMEOUT_S:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}; see {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"the server did not listen within {START_TIMEOUT_S} s; see {self.log_path}")
        self.starts.append({"at_s": round(began - t0, 1), "listen_s": round(time.monotonic() - began, 1),
                            "flags": list(extra)})

    def stop(self, sig: int) -> None:
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process and self.process.poll() is None else None


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.refused = collections.Counter()  # "Call CODE" -> n
        self.created = {}  # session id -> user
        self.unacknowledged = collections.Counter()  # user -> creates that failed without a known outcome
        self.watch = collections.Counter()

    def count(self, key: str, n: int = 1) -> None:
        with self.lock:
            self.counts[key] += n

    def refuse(self, call: str, code: grpc.StatusCode) -> None:
        with self.lock:
            self.refused[f"{call} {code.name}"] += 1


class Soak:
    def __init__(self, work: Path):
        self.rng = random.Random(SEED)
        self.stats = Stats()
        self.t0 = time.monotonic()
        self.deadline = self.t0 + SECONDS
        self.stop = threading.Event()
        self.tokens = {u: f"soak-{u}-{os.urandom(12).hex()}" for u in USERS}
        token_file = work / "tokens"
        token_file.write_text("".join(f"{t} {u}\n" for u, t in self.tokens.items()))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.address = f"127.0.0.1:{port}"
        self.server = Server(work / "data", token_file, port, work / "server.log")
        self.clients_lock = threading.Lock()
        self.clients = {}
        self.old_clients = []
        self.samples = []  # [t_s, pid, rss_mib, threads]
        self.faults = []
        self.server_up = threading.Event()

    # A fresh channel per user after each restart: grpc's reconnect backoff would otherwise keep old
    # channels failing fast for up to minutes after the server is back, which measures grpc, not ablserve.
    def connect(self) -> None:
        with self.clients_lock:
            self.old_clients.extend(self.clients.values())
            self.clients = {u: ablserve.Client(self.address, token=self.tokens[u], timeout=30) for u in USERS}

    def client(self, user: str) -> ablserve.Client:
        with self.clients_lock:
            return self.clients[user]

    def now(self) -> float:
        return time.monotonic() - self.t0

    def call(self, label: str, fn, *args, **kwargs):
        """fn(*args); an AblError is counted under label and its code and returned instead of raised."""
        self.stats.count(f"{label} calls")
        try:
            return fn(*args, **kwargs)
        except ablserve.AblError as e:
            self.stats.refuse(label, e.code)
            return e

    # ---- load -------------------------------------------------------------------------------------------

    def user_loop(self, user: str) -> None:
        rng = random.Random(f"{SEED}-{user}")
        uploaded = []
        n = 0
        while time.monotonic() < self.deadline:
            self.server_up.wait(timeout=5)
            n += 1
            client = self.client(user)
            name = f"soak {user} {n}"
            dataset = rng.choice(uploaded) if uploaded and rng.random() < 0.3 else "fashion-mnist"
            result = self.call("CreateSession", client.create_session, small_config(name, dataset))
            if isinstance(result, ablserve.Session):
                with self.stats.lock:
                    self.stats.created[result.id] = user
                threading.Thread(target=self.watch, args=(user, result.id), daemon=True).start()
            elif result.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                with self.stats.lock:
                    self.stats.unacknowledged[user] += 1
            if n % 3 == 0:
                x = np.random.default_rng(n).integers(0, 256, (200, 28, 28), dtype=np.uint8)
                y = np.arange(200, dtype=np.int64) % 10
                d = self.call("UploadDataset", client.upload_dataset, x, y, x[:50], y[:50],
                              name=f"soak {user} {n}", progress=False, timeout=60)
                if isinstance(d, ablserve.Dataset):
                    uploaded.append(d.id)
            if n % 2 == 0:
                self.evaluate_one(user, rng)
            self.bad_requests(user, rng)
            time.sleep(rng.uniform(2, 5))

    def evaluate_one(self, user: str, rng: random.Random) -> None:
        client = self.client(user)
        with self.stats.lock:
            mine = [sid for sid, u in self.stats.created.items() if u == user]
        rng.shuffle(mine)
        for sid in mine[:5]:
            s = self.call("GetSession", client.session, sid)
            if isinstance(s, ablserve.Session) and s.state == "succeeded":
                self.call("Evaluate", s.evaluate, ablserve.DatasetConfig("fashion-mnist", test_limit=200),
                          "badnets", timeout=60)
                return

    def bad_requests(self, user: str, rng: random.Random) -> None:
        client = self.client(user)
        bad = small_config(f"soak {user} bad")
        kind = rng.randrange(6)
        if kind == 0:
            bad.abl.epochs = 1  # isolation_epochs must be < epochs
            self.call("CreateSession(invalid)", client.create_session, bad)
        elif kind == 1:
            bad.abl.learning_rate = -0.1
            self.call("CreateSession(invalid)", client.create_session, bad)
        elif kind == 2:
            bad.display_name = "x" * (MAX_DISPLAY_NAME_CHARS * 40)
            self.call("CreateSession(long name)", client.create_session, bad)
        elif kind == 3:
            self.call("GetSession(unknown)", client.session, "no-such-session-" + os.urandom(4).hex())
        elif kind == 4:
            with self.stats.lock:
                others = [sid for sid, u in self.stats.created.items() if u != user]
            if others:  # another user's session: must not be visible
                self.call("GetSession(other user's)", client.session, rng.choice(others))
        else:
            self.raw_bad_token()

    def raw_bad_token(self) -> None:
        """A call with a wrong bearer token, through raw grpc (the client only sends the token it was given)."""
        self.stats.count("GetSession(bad token) calls")
        with grpc.insecure_channel(self.address) as channel:
            try:
                pb_grpc.SessionServiceStub(channel).GetSession(
                    pb.GetSessionRequest(session_id="x"), timeout=10,
                    metadata=(("authorization", "Bearer not-a-token-of-this-server"),))
            except grpc.RpcError as e:
                self.stats.refuse("GetSession(bad token)", e.code())

    def watch(self, user: str, session_id: str) -> None:
        """Follows a session to its end, reconnecting from the next sequence across restarts."""
        next_sequence, reconnects = 0, 0
        self.stats.count("watchers started")
        while not self.stop.is_set():
            client = self.client(user)
            try:
                for event in client._watch(pb.WatchSessionRequest(session_id=session_id, from_sequence=next_sequence,
                                                                  follow=True), timeout=None):
                    if event.sequence < next_sequence:
                        self.stats.count("watch events replayed twice")
                    next_sequence = max(next_sequence, event.sequence + 1)
                    self.stats.count("watch events")
                # A follow stream ends after the final state: done unless that state was "interrupted".
                state = self.call("GetSession", client.session, session_id)
                if isinstance(state, ablserve.Session) and state.state in DONE:
                    self.stats.count("watchers saw the end")
                    return
                if isinstance(state, ablserve.Session) and state.state == "interrupted":
                    # A graceful stop leaves running and queued sessions INTERRUPTED, and --resume-interrupted
                    # auto only requeues those a dead process left RUNNING: the owner resumes them, as a user
                    # following the session would.
                    self.call("ResumeSession", state.resume)
            except grpc.RpcError as e:
                if e.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED):
                    self.stats.refuse("WatchSession", e.code())
            reconnects += 1
            self.stats.count("watch reconnects")
            self.server_up.wait(timeout=5)
            time.sleep(2)
        self.stats.count("watchers stopped before the end")

    # ---- faults and sampling ----------------------------------------------------------------------------

    def sample_loop(self) -> None:
        while not self.stop.is_set():
            pid = self.server.pid
            if pid:
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
                    rss_mib = int(fields["VmRSS"].split()[0]) / 1024
                    self.samples.append([round(self.now(), 1), pid, round(rss_mib, 1), int(fields["Threads"])])
                except (OSError, KeyError, ValueError):
                    pass
            self.stop.wait(SAMPLE_SECONDS)

    def restart(self, how: str, sig: int, *flags: str) -> None:
        at = self.now()
        self.server_up.clear()
        self.server.stop(sig)
        self.server.start(self.t0, *flags)
        self.connect()
        self.server_up.set()
        self.faults.append({"fault": how, "at_s": round(at, 1), "down_s": round(self.now() - at, 1)})
        print(f"[{self.now():6.1f} s] {how}: back after {self.now() - at:.1f} s", flush=True)

    def fault_loop(self) -> None:
        plan = [(0.35, "kill -9, restart", signal.SIGKILL, ())] if KILL else []
        if DISK_FULL:
            plan += [(0.6, "restart with --min-free-bytes above the free space (disk full)", signal.SIGTERM,
                      ("--min-free-bytes", str(FULL_DISK_FLOOR))),
                     (0.75, "restart with the default floor (disk freed)", signal.SIGTERM, ())]
        for share, how, sig, flags in plan:
            if self.stop.wait(max(0.0, self.t0 + share * SECONDS - time.monotonic())):
                return
            self.restart(how, sig, *flags)

    # ---- the run ----------------------------------------------------------------------------------------

    def run(self) -> dict:
        self.server.start(self.t0)
        self.connect()
        self.server_up.set()
        print(f"[{self.now():6.1f} s] server up on {self.address} (pid {self.server.pid}); soaking {SECONDS:g} s",
              flush=True)
        sampler = threading.Thread(target=self.sample_loop, daemon=True)
        sampler.start()
        faults = threading.Thread(target=self.fault_loop, daemon=True)
        faults.start()
        users = [threading.Thread(target=self.user_loop, args=(u,), daemon=True) for u in USERS]
        for t in users:
            t.start()
        for t in users:
            t.join()
        faults.join()
        load_end = self.now()
        print(f"[{load_end:6.1f} s] load stopped; draining up to {DRAIN_SECONDS:g} s", flush=True)
        final = self.drain()
        drain_s = self.now() - load_end
        self.stop.set()
        sampler.join()
        report = self.report(final, load_end, drain_s)
        self.server.stop(signal.SIGTERM)
        for c in list(self.clients.values()) + self.old_clients:
            c.close()
        return report

    def drain(self) -> dict:
        """Each acknowledged session's state once all are done or the drain time is up (None: not found)."""
        end = time.monotonic() + DRAIN_SECONDS
        while True:
            final = {}
            for sid, user in list(self.stats.created.items()):
                try:
                    final[sid] = self.client(user).session(sid, timeout=10).state
                except ablserve.AblError as e:
                    final[sid] = None if e.code == grpc.StatusCode.NOT_FOUND else f"error {e.code.name}"
            if all(s in DONE for s in final.values()) or time.monotonic() > end:
                return final
            time.sleep(2)

    def report(self, final: dict, load_end: float, drain_s: float) -> dict:
        states = collections.Counter(s if s else "missing" for s in final.values())
        lost = sum(n for s, n in states.items() if s not in DONE)
        # Sessions the server holds with a soak name that no CreateSession acknowledged (the create was cut off
        # by the kill): not lost, but reported.
        listed = set()
        for user in USERS:
            listed |= {s.id for s in self.client(user).sessions(timeout=30) if s.config.display_name.startswith("soak ")}
        stray = len(listed - set(final))

        def series(i):
            values = [s[i] for s in self.samples]
            return {"min": min(values), "max": max(values), "last": values[-1]} if values else {}

        per_start = []
        for k, start in enumerate(self.server.starts):
            until = self.server.starts[k + 1]["at_s"] if k + 1 < len(self.server.starts) else float("inf")
            rows = [s for s in self.samples if start["at_s"] <= s[0] < until]
            if rows:
                per_start.append({"from_s": start["at_s"], "rss_mib": [min(r[2] for r in rows), max(r[2] for r in rows),
                                                                     rows[-1][2]],
                                  "threads": [min(r[3] for r in rows), max(r[3] for r in rows), rows[-1][3]],
                                  "steady": steady_state(rows, start["at_s"], min(until, load_end))})
        try:
            label = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                   text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            label = "unknown"
        return {
            "bench": "soak",
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "commit": label,
            "soak_s": SECONDS, "load_s": round(load_end, 1), "drain_s": round(drain_s, 1), "users": len(USERS),
            "threads_env": os.environ.get("ABLSERVE_THREADS"),
            "sessions": {"created": len(final), "completed": states.get("succeeded", 0),
                         "failed": states.get("failed", 0), "cancelled": states.get("cancelled", 0),
                         "lost": lost, "lost_states": {s: n for s, n in states.items() if s not in DONE},
                         "unacknowledged_creates": sum(self.stats.unacknowledged.values()),
                         "created_but_unacknowledged": stray},
            "calls": dict(sorted(self.stats.counts.items())),
            "refused": dict(sorted(self.stats.refused.items())),
            "faults": self.faults,
            "server_starts": self.server.starts,
            "rss_mib": series(2), "threads": series(3), "per_start": per_start,
            "samples": self.samples,
        }


def steady_state(rows: list, start_s: float, load_end_s: float) -> dict | None:
    """One server process's RSS under load, warm-up apart: the peak in its first WARMUP_SECONDS, the median of
    the WINDOW_SECONDS after them and of its last WINDOW_SECONDS of load, and the growth between those two
    medians (total and per minute: a leak shows as growth, warm-up does not). None when the process had too
    little load for both windows to be apart."""
    warm_end = start_s + WARMUP_SECONDS
    if load_end_s - warm_end < 2 * WINDOW_SECONDS:
        return None

    def median_rss(lo: float, hi: float):
        values = sorted(r[2] for r in rows if lo <= r[0] < hi)
        return values[len(values) // 2] if values else None

    after = median_rss(warm_end, warm_end + WINDOW_SECONDS)
    end = median_rss(load_end_s - WINDOW_SECONDS, load_end_s)
    warm = [r[2] for r in rows if r[0] < warm_end]
    steady = [r[2] for r in rows if warm_end <= r[0] < load_end_s]
    if after is None or end is None:
        return None
    minutes = (load_end_s - warm_end - WINDOW_SECONDS) / 60
    return {"warmup_s": WARMUP_SECONDS, "window_s": WINDOW_SECONDS,
            "warmup_peak_mib": max(warm) if warm else None, "steady_peak_mib": max(steady),
            "after_warmup_mib": after, "end_mib": end, "growth_mib": round(end - after, 1),
            "growth_mib_per_min": round((end - after) / minutes, 1)}


def summary(r: dict) -> str:
    s = r["sessions"]
    lines = [f"soak {r['commit']}: {r['load_s']:g} s of load by {r['users']} users, then {r['drain_s']:g} s of drain",
             f"sessions: {s['created']} created, {s['completed']} completed, {s['failed']} failed, "
             f"{s['cancelled']} cancelled, {s['lost']} lost {s['lost_states'] or ''}; "
             f"{s['unacknowledged_creates']} creates cut off by a fault "
             f"({s['created_but_unacknowledged']} of them exist on the server)"]
    for f in r["faults"]:
        lines.append(f"fault at {f['at_s']:g} s: {f['fault']} (back after {f['down_s']:g} s)")
    lines.append("refused: " + ", ".join(f"{k} {v}" for k, v in r["refused"].items()))
    lines.append("calls: " + ", ".join(f"{k} {v}" for k, v in r["calls"].items()))
    lines.append(f"RSS MiB min/max/last {r['rss_mib'].get('min')}/{r['rss_mib'].get('max')}/{r['rss_mib'].get('last')},"
                 f" threads {r['threads'].get('min')}/{r['threads'].get('max')}/{r['threads'].get('last')}")
    for p in r["per_start"]:
        lines.append(f"  server from {p['from_s']:g} s: RSS {p['rss_mib'][0]}-{p['rss_mib'][1]} (last {p['rss_mib'][2]}),"
                     f" threads {p['threads'][0]}-{p['threads'][1]} (last {p['threads'][2]})")
        st = p.get("steady")
        if st:
            lines.append(f"    warm-up ({st['warmup_s']:g} s) peak {st['warmup_peak_mib']} MiB; under load after it:"
                         f" {st['after_warmup_mib']} MiB (median of {st['window_s']:g} s) -> {st['end_mib']} MiB at the end,"
                         f" growth {st['growth_mib']:+g} MiB ({st['growth_mib_per_min']:+g} MiB/min),"
                         f" steady peak {st['steady_peak_mib']} MiB")
        else:
            lines.append("    too short under load to tell warm-up from steady state")
    return "\n".join(lines)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="ablserve-soak-") as work:
        soak = Soak(Path(work))
        try:
            report = soak.run()
        except BaseException:
            if soak.server.pid:
                soak.server.process.kill()
            log = Path(work) / "server.log"
            if log.exists():
                sys.stderr.write(log.read_text()[-4000:])
            raise
        keep = os.environ.get("SOAK_KEEP_LOG")
        if keep:
            Path(keep).write_text((Path(work) / "server.log").read_text())
    out = ROOT / "bench" / "results" / "soak.jsonl"
    out.parent.mkdir(exist_ok=True)
    with open(out, "a") as f:
        f.write(json.dumps(report) + "\n")
    print(summary(report))
    return 0 if report["sessions"]["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
