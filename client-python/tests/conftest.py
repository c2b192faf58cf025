"""Fixtures: one real ablserve server (the Maven-built jar, run as a subprocess on port 0 with a temporary data
directory and bin/env.sh's settings) shared by the whole run, and one small finished session."""
from __future__ import annotations

import os
import queue
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

import ablserve

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120
_LISTENING = re.compile(r"^ablserve listening on (\S+)")

# A session that trains in about 10 s on two cores: 1000 images, one isolation epoch, then two of unlearning,
# or of plain training when the backdoor check confirms nothing.
SMALL = ablserve.SessionConfig(
    dataset=ablserve.DatasetConfig("fashion-mnist", train_limit=1000, test_limit=200),
    attack=ablserve.AttackConfig("badnets", poison_rate=0.1),
    abl=ablserve.AblConfig(epochs=3, isolation_epochs=1, isolation_ratio=0.02, batch_size=64,
                           step_report_interval=2),
    seed=7,
    display_name="pytest small",
)


def long_config(name: str) -> ablserve.SessionConfig:
    """A session that would train for minutes; tests cancel it."""
    return ablserve.SessionConfig(
        dataset=ablserve.DatasetConfig("fashion-mnist", train_limit=1000, test_limit=200),
        abl=ablserve.AblConfig(epochs=200, isolation_epochs=100, batch_size=64),
        display_name=name,
    )


def assert_echoed(requested, resolved) -> None:
    """``resolved`` (a config section the server echoed) carries every field ``requested`` set, by its canonical
    name; the fields left None are the server's to fill, so they are not compared."""
    import dataclasses

    for f in dataclasses.fields(requested):
        value = getattr(requested, f.name)
        if value is not None:
            assert getattr(resolved, f.name) == value, f.name


def _server_jar() -> Path:
    jar = Path(os.environ.get("ABLSERVE_SERVER_JAR", REPO_ROOT / "server" / "target" / "ablserve-server.jar"))
    if not jar.is_file():
        pytest.exit(f"{jar} is missing: build it first with `mvn -B -DskipTests package` in {REPO_ROOT}"
                    " (or point ABLSERVE_SERVER_JAR at a built ablserve-server.jar)", returncode=2)
    return jar


@pytest.fixture(scope="session")
def server_address(tmp_path_factory) -> str:
    jar = _server_jar()
    data_dir = tmp_path_factory.mktemp("ablserve-data")
    log_path = data_dir / "server.log"
    # bin/env.sh sets the malloc, thread and DJL cache settings the launchers use.
    # Pages of 2, so every listing of more than two sessions or datasets takes the client through pages;
    # two empty configured datasets beside fashion-mnist make the configured ones take two pages too.
    empty = tmp_path_factory.mktemp("configured")
    command = ['bash', '-c', 'source "$1" && exec java $ABLSERVE_JVM_OPTS -jar "$2" --port 0 --data-dir "$3"'
               ' --default-page-size 2 --max-page-size 2'
               f' --dataset paging-a={empty} --dataset paging-b={empty}',
               "ablserve-server", str(REPO_ROOT / "bin" / "env.sh"), str(jar), str(data_dir)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: "queue.Queue[str]" = queue.Queue()

    def pump() -> None:
        with open(log_path, "w") as log:
            for line in process.stdout:
                log.write(line)
                log.flush()
                lines.put(line)

    threading.Thread(target=pump, name="ablserve-server-log", daemon=True).start()
    address = None
    deadline = time.monotonic() + START_TIMEOUT_S
    while address is None:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        match = _LISTENING.match(line)
        if match:
            address = match.group(1)
        elif process.poll() is not None and lines.empty():
            break
    if address is None:
        process.kill()
        pytest.exit(f"the ablserve server did not start; log:\n{log_path.read_text()}", returncode=2)
    yield address
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def client(server_address):
    with ablserve.Client(server_address, timeout=30) as c:
        yield c


@pytest.fixture(scope="session")
def trained(client) -> ablserve.Session:
    """A small BadNets + ABL session, trained to the end once for every test that reads results."""
    session = client.create_session(SMALL)
    session.wait(progress=False, timeout=300)
    assert session.state == "succeeded", session.failure_reason
    return session
