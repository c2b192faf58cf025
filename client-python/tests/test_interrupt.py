"""Ctrl-C during wait/watch, simulated with a real SIGINT to this process from another thread."""
import io
import os
import signal
import threading
import time

import pytest

import ablserve
from conftest import long_config


def _sigint_when(condition, deadline_s=120.0):
    def run():
        deadline = time.monotonic() + deadline_s
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=run, name="sigint")
    thread.start()
    return thread


def _streaming(session, monkeypatch):
    """An event set once the session's event stream has delivered its first event, i.e. once wait/watch is
    inside the loop whose Ctrl-C handling is under test (a signal sent earlier would hit the test itself)."""
    inside = threading.Event()
    events = session._events

    def spy(*args, **kwargs):
        for event in events(*args, **kwargs):
            inside.set()
            yield event

    monkeypatch.setattr(session, "_events", spy)
    return inside


def test_wait_cancelsTheRunningSessionOnKeyboardInterruptOutsideATerminal(client, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO())  # not a TTY: "ask" cancels without asking
    session = client.create_session(long_config("interrupt wait"))
    inside = _streaming(session, monkeypatch)
    observer = client.session(session.id)
    sender = _sigint_when(lambda: inside.is_set() and observer.refresh().state == "running")
    with pytest.raises(KeyboardInterrupt):
        session.wait(progress=False)
    sender.join()
    assert client.session(session.id).wait(progress=False, timeout=60).state == "cancelled"


def test_watch_cancelsOnKeyboardInterruptWithOnInterruptCancel(client, monkeypatch):
    session = client.create_session(long_config("interrupt watch"))
    inside = _streaming(session, monkeypatch)
    sender = _sigint_when(inside.is_set)
    with pytest.raises(KeyboardInterrupt):
        for _ in session.watch(on_interrupt="cancel"):
            pass
    sender.join()
    assert client.session(session.id).wait(progress=False, timeout=60).state == "cancelled"


def test_wait_asksOnATerminalAndDetachesWhenTheAnswerIsNo(client, monkeypatch):
    tty = io.StringIO()
    tty.isatty = lambda: True
    monkeypatch.setattr("sys.stdin", tty)
    prompts = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or "n")
    session = client.create_session(long_config("interrupt ask"))
    sender = _sigint_when(_streaming(session, monkeypatch).is_set)
    try:
        with pytest.raises(KeyboardInterrupt):
            session.wait(progress=False)
        sender.join()
        assert prompts == [f"\ncancel remote session {session.id}? [Y/n] "]
        assert session.refresh().state in ("queued", "running")
    finally:
        session.cancel()


def test_onInterrupt_rejectsUnknownModes(trained):
    with pytest.raises(ValueError):
        trained.watch(on_interrupt="ignore")
